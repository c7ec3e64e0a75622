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
public interface Notifier {

    /**
     * Delivers one notification, retrying as the implementation sees fit.
     *
     * @throws NotificationException if it could not be delivered
     */
    void send(Notification notification);

    /** A short, secret-free description, e.g. {@code webhook(https://hooks.slack.com/…)}. */
    String describe();
}
