package dev.infrakit.test;

import dev.infrakit.core.notify.Notification;
import dev.infrakit.core.notify.NotificationException;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecordingNotifierTest {
    private final RecordingNotifier notifier = new RecordingNotifier();

    private static Notification notification(Notification.Severity severity, String title) {
        return new Notification("test", severity, title, "details", Instant.parse("2026-01-01T00:00:00Z"),
                Map.of("token", "tok-never-shown"));
    }

    @Test
    void keepsEveryNotificationInOrder() {
        Notification down = notification(Notification.Severity.CRITICAL, "db is DOWN");
        Notification up = notification(Notification.Severity.INFO, "db is UP");
        notifier.send(down);
        notifier.send(up);
        assertEquals(List.of(down, up), notifier.notifications());
        assertEquals(List.of("db is DOWN", "db is UP"), notifier.titles());
        assertEquals(List.of(Notification.Severity.CRITICAL, Notification.Severity.INFO), notifier.severities());
        assertEquals("recording", notifier.name());
        assertThrows(NullPointerException.class, () -> notifier.send(null));
    }

    @Test
    void failingMakesSendThrowAndKeepsNothingUntilTurnedOff() {
        notifier.failing(true);
        NotificationException e = assertThrows(NotificationException.class,
                () -> notifier.send(notification(Notification.Severity.WARNING, "lost")));
        assertEquals(RecordingNotifier.FAILURE_MESSAGE, e.getMessage());
        assertEquals(1, notifier.failures());
        assertEquals(List.of(), notifier.notifications());

        notifier.failing(false);
        notifier.send(notification(Notification.Severity.WARNING, "delivered"));
        assertEquals(List.of("delivered"), notifier.titles());
        assertEquals(1, notifier.failures());
    }

    @Test
    void clearForgetsAndCloseIsRecordedButKeepsTheNotifications() {
        notifier.send(notification(Notification.Severity.INFO, "a"));
        notifier.failing(true);
        assertThrows(NotificationException.class, () -> notifier.send(notification(Notification.Severity.INFO, "b")));
        notifier.clear();
        assertEquals(List.of(), notifier.notifications());
        assertEquals(0, notifier.failures());
        notifier.failing(false);

        notifier.send(notification(Notification.Severity.INFO, "c"));
        assertFalse(notifier.isClosed());
        notifier.close();
        assertTrue(notifier.isClosed());
        assertEquals(List.of("c"), notifier.titles());
        assertEquals("RecordingNotifier[1 sent, 0 failed]", notifier.toString());
        assertFalse(notifier.toString().contains("tok-never-shown"));
    }
}
