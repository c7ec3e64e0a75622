package dev.infrakit.core.notify;

import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetupTest;
import dev.infrakit.core.Config;
import dev.infrakit.core.Providers;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Instant;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Against a real SMTP server (GreenMail) started by the test on a free port. */
class EmailNotifierTest {
    @RegisterExtension
    static final GreenMailExtension SMTP = new GreenMailExtension(ServerSetupTest.SMTP.dynamicPort())
            .withConfiguration(GreenMailConfiguration.aConfig().withUser("alerts@example.com", "alerts", "pa55word"));

    private static Notification notification() {
        return new Notification("health:db", Notification.Severity.CRITICAL, "Health check 'db' is DOWN",
                "connection refused", Instant.parse("2026-11-22T03:00:00Z"), Map.of("status", "DOWN"));
    }

    @Test
    void sendsPlainTextMailWithAuthentication() throws Exception {
        EmailNotifier notifier = EmailNotifier.builder("127.0.0.1", SMTP.getSmtp().getPort())
                .startTls(EmailNotifier.StartTls.OFF)
                .credentials("alerts", "pa55word".toCharArray())
                .from("alerts@example.com").to("oncall@example.com").to("ops@example.com").build();
        notifier.send(notification());
        MimeMessage[] received = SMTP.getReceivedMessages();
        assertEquals(2, received.length, "one copy per recipient");
        assertEquals("[CRITICAL] Health check 'db' is DOWN", received[0].getSubject());
        String body = ((String) received[0].getContent()).replace("\r\n", "\n").strip();
        assertEquals("[CRITICAL] Health check 'db' is DOWN\nconnection refused\nstatus: DOWN\n"
                + "source: health:db, time: 2026-11-22T03:00:00Z", body);
        assertEquals("alerts@example.com", received[0].getFrom()[0].toString());
        assertFalse(notifier.toString().contains("pa55word"));
    }

    @Test
    void wrongPasswordIsAClearErrorWithoutThePassword() {
        EmailNotifier notifier = EmailNotifier.builder("127.0.0.1", SMTP.getSmtp().getPort())
                .startTls(EmailNotifier.StartTls.OFF).credentials("alerts", "Wr0ng-secret".toCharArray())
                .from("alerts@example.com").to("oncall@example.com").build();
        NotificationException e = assertThrows(NotificationException.class, () -> notifier.send(notification()));
        assertTrue(e.getMessage().startsWith("E-mail via 127.0.0.1:" + SMTP.getSmtp().getPort()
                + " failed for 'Health check 'db' is DOWN'"), e.getMessage());
        assertFalse(e.getMessage().contains("Wr0ng-secret"), e.getMessage());
    }

    @Test
    void badSettingsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> EmailNotifier.builder("smtp", 25).from("not an address"));
        assertThrows(IllegalStateException.class, () -> EmailNotifier.builder("smtp", 25).from("a@b.c").build());
        assertThrows(IllegalArgumentException.class, () -> EmailNotifier.builder("smtp", 0));
    }

    @Test
    void providerBuildsItFromConfig() throws Exception {
        Notifier notifier = Providers.load(NotifierProvider.class, Config.of(Map.of(
                "infrakit.notify.kind", "email",
                "infrakit.notify.email.host", "127.0.0.1",
                "infrakit.notify.email.port", Integer.toString(SMTP.getSmtp().getPort()),
                "infrakit.notify.email.starttls", "off",
                "infrakit.notify.email.from", "alerts@example.com",
                "infrakit.notify.email.to", "oncall@example.com")));
        notifier.send(notification());
        assertEquals(1, SMTP.getReceivedMessages().length);
    }
}
