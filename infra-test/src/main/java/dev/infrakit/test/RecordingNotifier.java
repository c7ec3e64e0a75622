package dev.infrakit.test;

import dev.infrakit.core.notify.Notification;
import dev.infrakit.core.notify.NotificationException;
import dev.infrakit.core.notify.Notifier;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * A {@link Notifier} for tests: keeps every notification it is sent, in order, and can be made to
 * fail with a {@link NotificationException}, as an unreachable webhook would, so a test can check
 * that the code under test survives a notifier that fails.
 *
 * <pre>{@code
 * RecordingNotifier notifier = new RecordingNotifier();
 * new DiskWatcher(notifier).check(95);
 * assertEquals(List.of("Disk 95% full"), notifier.titles());
 * }</pre>
 *
 * <p>Infrakit's own notifiers (webhook, e-mail, SLF4J) are in infra-core's
 * {@code dev.infrakit.core.notify}. Thread-safe.
 */
public final class RecordingNotifier implements Notifier {
    /** The message of the exception a failed send gets. */
    public static final String FAILURE_MESSAGE = "notification not delivered (RecordingNotifier set to fail)";

    private final List<Notification> sent = new CopyOnWriteArrayList<>();
    private final AtomicInteger failures = new AtomicInteger();
    private volatile boolean failing;
    private volatile boolean closed;

    /** A notifier that delivers (keeps) every notification. */
    public RecordingNotifier() {
    }

    /**
     * Keeps {@code notification}, or fails when {@link #failing(boolean)} is on.
     *
     * @throws NotificationException with {@link #FAILURE_MESSAGE} when set to fail; the notification
     *     is then not kept
     * @throws NullPointerException if {@code notification} is null
     */
    @Override
    public void send(Notification notification) {
        Objects.requireNonNull(notification, "notification");
        if (failing) {
            failures.incrementAndGet();
            throw new NotificationException(FAILURE_MESSAGE);
        }
        sent.add(notification);
    }

    /** {@code recording}. */
    @Override
    public String name() {
        return "recording";
    }

    /** Marks the notifier closed ({@link #isClosed()}); the notifications kept stay readable. */
    @Override
    public void close() {
        closed = true;
    }

    /**
     * Makes every later {@link #send} fail ({@code true}) or deliver again ({@code false}).
     *
     * @return this notifier
     */
    public RecordingNotifier failing(boolean fail) {
        this.failing = fail;
        return this;
    }

    /** The notifications delivered, in order; a snapshot. */
    public List<Notification> notifications() {
        return List.copyOf(sent);
    }

    /** The delivered notifications' titles, in order. */
    public List<String> titles() {
        return sent.stream().map(Notification::title).collect(Collectors.toList());
    }

    /** The delivered notifications' severities, in order. */
    public List<Notification.Severity> severities() {
        return sent.stream().map(Notification::severity).collect(Collectors.toList());
    }

    /** How many sends failed since the notifier was created or last {@link #clear() cleared}. */
    public int failures() {
        return failures.get();
    }

    /** Whether {@link #close()} was called: lets a test check that its owner closes it. */
    public boolean isClosed() {
        return closed;
    }

    /** Forgets the delivered notifications and the failure count; the failing setting stays. */
    public void clear() {
        sent.clear();
        failures.set(0);
    }

    /** The number of notifications kept; never their contents. */
    @Override
    public String toString() {
        return "RecordingNotifier[" + sent.size() + " sent, " + failures.get() + " failed]";
    }
}
