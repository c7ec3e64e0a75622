package dev.infrakit.core.notify;

/**
 * Delivers {@link Notification}s to people: a chat webhook, e-mail, the log. Infrakit's health
 * registry, backup runner and audit sinks all notify through this SPI.
 *
 * <p>{@link #send} is synchronous and may block (network I/O, retries); callers that must not block
 * call it from their own thread, as {@code HealthRegistry} does. Implementations must be
 * thread-safe and must never put secrets (webhook URLs, passwords) in log lines, exception
 * messages or {@code toString()}.
 */
public interface Notifier extends AutoCloseable {

    /**
     * Delivers one notification, retrying as the implementation sees fit.
     *
     * @throws NotificationException if it could not be delivered
     */
    void send(Notification notification);

    /**
     * A short, secret-free name for logs and metrics, e.g. {@code webhook(https://hooks.slack.com/…)}
     * (the same method name as every other Infrakit SPI; it was {@code describe()} before 0.2).
     */
    String name();

    /** Releases what the notifier holds (connections, threads); nothing by default. Idempotent. */
    @Override
    default void close() {
    }
}
