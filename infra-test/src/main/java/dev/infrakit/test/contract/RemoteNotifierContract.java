package dev.infrakit.test.contract;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.infrakit.core.notify.NotificationException;
import dev.infrakit.core.notify.Notifier;
import org.junit.jupiter.api.Test;

/**
 * The {@link NotifierContract} of a notifier that sends to a destination that can fail (a web
 * hook, a mail server), plus the failure's contract: when the destination fails, {@code send}
 * throws a {@link NotificationException} whose message, like the notifier's name, holds none of
 * the secrets. Extend it and also give {@link #createFailingNotifier()}.
 */
public abstract class RemoteNotifierContract extends NotifierContract {

    /** For subclasses. */
    protected RemoteNotifierContract() {
    }

    /**
     * A notifier whose destination fails (refuses the connection, answers an error).
     *
     * @return the notifier
     * @throws Exception if it cannot be created
     */
    protected abstract Notifier createFailingNotifier() throws Exception;

    @Test
    void aFailingDestinationIsANotificationExceptionWithoutSecrets() throws Exception {
        Notifier failing = closedAfterTheTest(createFailingNotifier());
        NotificationException e = assertThrows(NotificationException.class, () -> failing.send(notification("lost")));
        assertNotNull(e.getMessage(), "the failure says what went wrong");
        assertNoSecret(e.getMessage(), "the exception message");
        assertNoSecret(failing.name(), "name()");
    }
}
