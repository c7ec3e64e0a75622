package dev.infrakit.core.internal;

import dev.infrakit.core.Config;
import dev.infrakit.core.notify.EmailNotifier;
import dev.infrakit.core.notify.Notifier;
import dev.infrakit.core.notify.NotifierProvider;
import dev.infrakit.core.notify.Slf4jNotifier;
import dev.infrakit.core.notify.WebhookNotifier;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;

/** The {@link NotifierProvider}s infra-core registers with ServiceLoader. */
public final class BuiltInNotifiers {
    private BuiltInNotifiers() {
    }

    /**
     * {@code webhook}: keys under {@code infrakit.notify.webhook}: {@code url} (required, secret),
     * {@code timeout} (10s: the deadline of a whole send, retries included), {@code max-attempts} (3),
     * {@code backoff} (500ms), {@code max-backoff} (10s).
     */
    public static final class Webhook implements NotifierProvider {
        @Override
        public String name() {
            return "webhook";
        }

        @Override
        public String description() {
            return "Posts {\"text\": …} to a Slack/Mattermost-compatible incoming webhook";
        }

        @Override
        public Notifier create(Config config) {
            Config webhook = config.section("infrakit.notify.webhook");
            URI url;
            try {
                url = new URI(webhook.getString("url"));
            } catch (URISyntaxException e) {
                throw webhook.invalid("url", "expected an http(s) URL");
            }
            if (url.getHost() == null || !url.getScheme().matches("(?i)https?")) {
                throw webhook.invalid("url", "expected an http(s) URL with a host");
            }
            int attempts = webhook.getInt("max-attempts", 3);
            if (attempts < 1) {
                throw webhook.invalid("max-attempts", "expected at least 1");
            }
            Duration backoff = webhook.getDuration("backoff", Duration.ofMillis(500));
            Duration maxBackoff = webhook.getDuration("max-backoff", Duration.ofSeconds(10));
            if (backoff.isZero() || maxBackoff.compareTo(backoff) < 0) {
                throw webhook.invalid("max-backoff", "expected a positive backoff no larger than max-backoff");
            }
            Duration timeout = webhook.getDuration("timeout", Duration.ofSeconds(10));
            if (timeout.isZero()) {
                throw webhook.invalid("timeout", "expected a positive duration");
            }
            return WebhookNotifier.builder(url).timeout(timeout).maxAttempts(attempts).backoff(backoff, maxBackoff)
                    .build();
        }
    }

    /**
     * {@code email}: keys under {@code infrakit.notify.email}: {@code host}, {@code port} (587),
     * {@code from}, {@code to} (a list), {@code username}, {@code password}, {@code starttls}
     * (off/optional/required, default optional), {@code implicit-tls} (false), {@code timeout} (10s).
     */
    public static final class Email implements NotifierProvider {
        @Override
        public String name() {
            return "email";
        }

        @Override
        public String description() {
            return "Sends plain-text e-mail over SMTP (needs Jakarta Mail on the class path)";
        }

        @Override
        public Notifier create(Config config) {
            Config email = config.section("infrakit.notify.email");
            int port = email.getInt("port", 587);
            if (port < 1 || port > 65535) {
                throw email.invalid("port", "expected a port between 1 and 65535");
            }
            EmailNotifier.Builder builder = EmailNotifier.builder(email.getString("host"), port)
                    .startTls(email.getEnum("starttls", EmailNotifier.StartTls.class, EmailNotifier.StartTls.OPTIONAL))
                    .implicitTls(email.getBoolean("implicit-tls", false))
                    .timeout(email.getDuration("timeout", Duration.ofSeconds(10)));
            try {
                builder.from(email.getString("from"));
                for (String to : email.getList("to")) {
                    builder.to(to);
                }
            } catch (IllegalArgumentException e) {
                throw email.invalid("to", e.getMessage());
            }
            if (email.has("username")) {
                builder.credentials(email.getString("username"), email.getString("password").toCharArray());
            }
            return builder.build();
        }
    }

    /** {@code slf4j}: logs to {@code infrakit.notifications}. */
    public static final class Log implements NotifierProvider {
        @Override
        public String name() {
            return "slf4j";
        }

        @Override
        public String description() {
            return "Logs notifications through SLF4J (logger infrakit.notifications)";
        }

        @Override
        public Notifier create(Config config) {
            return Slf4jNotifier.create();
        }
    }
}
