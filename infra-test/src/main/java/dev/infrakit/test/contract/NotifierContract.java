package dev.infrakit.test.contract;

import dev.infrakit.core.notify.Notification;
import dev.infrakit.core.notify.NotificationException;
import dev.infrakit.core.notify.Notifier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Contract test kit for {@link Notifier} implementations, in infra-test:
 * <ul>
 *   <li><b>name</b>: not blank, the same on every call, and free of the notifier's secrets, as is
 *   {@code toString()};</li>
 *   <li><b>delivery</b>: one {@code send} delivers one notification whose text holds the title;
 *   concurrent sends from several threads are all delivered (thread-safety);</li>
 *   <li><b>close</b>: may be called twice.</li>
 * </ul>
 * Extend it: {@link #createNotifier()} returns a notifier delivering to a destination the test
 * observes through {@link #delivered()}; {@link #secrets()} the strings (URL tokens, passwords) that
 * must never be shown. A notifier whose destination can fail (a web hook, a mail server) extends
 * {@link RemoteNotifierContract} instead, which adds the failure's contract.
 */
public abstract class NotifierContract {
    private final List<Notifier> created = new ArrayList<>();

    /** For subclasses. */
    protected NotifierContract() {
    }

    /** A notifier whose deliveries {@link #delivered()} observes. */
    protected abstract Notifier createNotifier() throws Exception;

    /** The text of every notification delivered so far by the notifiers of this test, in order. */
    protected abstract List<String> delivered() throws Exception;

    /** Strings the notifier holds that must never appear in its name, {@code toString()} or errors. */
    protected abstract List<String> secrets();

    private Notifier working() throws Exception {
        return closedAfterTheTest(createNotifier());
    }

    /**
     * Registers {@code notifier} to be closed after the test.
     *
     * @param notifier a notifier the test created
     * @return {@code notifier}
     */
    protected final Notifier closedAfterTheTest(Notifier notifier) {
        created.add(notifier);
        return notifier;
    }

    @AfterEach
    void closeNotifiers() {
        for (Notifier notifier : created) {
            notifier.close();
        }
    }

    /** A notification whose title names {@code marker}. */
    protected static Notification notification(String marker) {
        return new Notification("contract:test", Notification.Severity.WARNING, "Contract notification " + marker,
                "details of " + marker, Instant.parse("2026-01-01T00:00:00Z"), Map.of("marker", marker));
    }

    /**
     * Fails if {@code text} shows one of {@link #secrets()}.
     *
     * @param text what the notifier showed
     * @param what names it for the message
     */
    protected final void assertNoSecret(String text, String what) {
        for (String secret : secrets()) {
            assertFalse(text.contains(secret), what + " shows a secret: " + text);
        }
    }

    @Test
    void hasAStableNameWithoutSecrets() throws Exception {
        Notifier notifier = working();
        assertNotNull(notifier.name(), "name()");
        assertFalse(notifier.name().isBlank(), "name() must say where notifications go");
        assertEquals(notifier.name(), notifier.name());
        assertNoSecret(notifier.name(), "name()");
        assertNoSecret(String.valueOf(notifier), "toString()");
    }

    @Test
    void oneSendDeliversOneNotification() throws Exception {
        Notifier notifier = working();
        int before = delivered().size();
        notifier.send(notification("single"));
        List<String> after = delivered();
        assertEquals(before + 1, after.size(), "one notification delivered");
        assertTrue(after.get(after.size() - 1).contains("Contract notification single"), after.toString());
    }

    @Test
    void concurrentSendsAreAllDelivered() throws Exception {
        Notifier notifier = working();
        int before = delivered().size();
        int threads = 4;
        int each = 5;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> sends = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                sends.add(pool.submit(() -> {
                    for (int i = 0; i < each; i++) {
                        notifier.send(notification("t" + thread + "-" + i));
                    }
                }));
            }
            for (Future<?> send : sends) {
                send.get();
            }
        } finally {
            pool.shutdownNow();
        }
        List<String> after = delivered();
        assertEquals(before + threads * each, after.size(), "every concurrent send delivered once");
        for (int t = 0; t < threads; t++) {
            for (int i = 0; i < each; i++) {
                String marker = "Contract notification t" + t + "-" + i;
                assertTrue(after.stream().anyMatch(d -> d.contains(marker)), marker + " missing");
            }
        }
    }

    @Test
    void closeMayBeCalledTwice() throws Exception {
        Notifier notifier = createNotifier();
        notifier.close();
        notifier.close();
    }
}
