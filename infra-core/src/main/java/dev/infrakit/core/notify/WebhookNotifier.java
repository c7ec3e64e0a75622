package dev.infrakit.core.notify;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.infrakit.core.internal.Arguments;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Posts notifications to a chat incoming webhook (Slack, Mattermost, Rocket.Chat, Discord's
 * Slack-compatible endpoint) as {@code {"text": "..."}} over the JDK's {@link HttpClient}.
 *
 * <p>Each send tries up to {@code maxAttempts} times: a connection failure, a timeout, a 5xx or a
 * 429 (honouring {@code Retry-After}, capped at the maximum backoff) is retried after an
 * exponentially growing backoff; any other non-2xx status fails at once, since retrying a rejected
 * request cannot help. The webhook URL carries its secret in the path, so it is never logged or put
 * in messages in full: only scheme and host appear. Thread-safe.
 */
public final class WebhookNotifier implements Notifier {
    private static final Logger LOG = LoggerFactory.getLogger(WebhookNotifier.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI url;
    private final String safeUrl;
    private final HttpClient client;
    private final Duration timeout;
    private final int maxAttempts;
    private final Duration initialBackoff;
    private final Duration maxBackoff;

    private WebhookNotifier(Builder b) {
        this.url = b.url;
        this.safeUrl = b.url.getScheme() + "://" + b.url.getHost() + "/…";
        this.client = b.client != null ? b.client : HttpClient.newBuilder().connectTimeout(b.timeout).build();
        this.timeout = b.timeout;
        this.maxAttempts = b.maxAttempts;
        this.initialBackoff = b.initialBackoff;
        this.maxBackoff = b.maxBackoff;
    }

    /** A builder posting to {@code url} (http or https). */
    public static Builder builder(URI url) {
        return new Builder(url);
    }

    /** The JSON body sent for {@code notification}: {@code {"text": "..."}}. */
    static String body(Notification notification) {
        try {
            return JSON.writeValueAsString(Map.of("text", notification.toText()));
        } catch (JsonProcessingException e) {
            throw new NotificationException("Could not encode notification: " + e.getOriginalMessage(), e);
        }
    }

    @Override
    public void send(Notification notification) {
        HttpRequest request = HttpRequest.newBuilder(url).timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body(notification), StandardCharsets.UTF_8))
                .build();
        Duration backoff = initialBackoff;
        String lastFailure = "";
        for (int attempt = 1; attempt <= maxAttempts; attempt++) {
            Duration wait = backoff;
            try {
                HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
                int status = response.statusCode();
                if (status >= 200 && status < 300) {
                    return;
                }
                lastFailure = "HTTP " + status;
                if (status != 429 && status < 500) {
                    throw new NotificationException("Webhook " + safeUrl + " rejected the notification '"
                            + notification.title() + "' with HTTP " + status);
                }
                if (status == 429) {
                    wait = retryAfter(response).map(r -> r.compareTo(maxBackoff) > 0 ? maxBackoff : r).orElse(backoff);
                }
            } catch (IOException e) {
                lastFailure = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new NotificationException("Interrupted while sending to webhook " + safeUrl, e);
            }
            if (attempt < maxAttempts) {
                LOG.debug("Webhook {} attempt {} failed ({}); retrying in {}", safeUrl, attempt, lastFailure, wait);
                sleep(wait);
                backoff = backoff.multipliedBy(2).compareTo(maxBackoff) > 0 ? maxBackoff : backoff.multipliedBy(2);
            }
        }
        throw new NotificationException("Webhook " + safeUrl + " failed " + maxAttempts + " times for '"
                + notification.title() + "'; last: " + lastFailure);
    }

    private static Optional<Duration> retryAfter(HttpResponse<?> response) {
        return response.headers().firstValue("Retry-After").flatMap(v -> {
            try {
                return Optional.of(Duration.ofSeconds(Long.parseLong(v.trim())));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        });
    }

    private static void sleep(Duration wait) {
        try {
            Thread.sleep(wait.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NotificationException("Interrupted while waiting to retry a webhook", e);
        }
    }

    @Override
    public String describe() {
        return "webhook(" + safeUrl + ")";
    }

    @Override
    public String toString() {
        return describe();
    }

    /** Builds a {@link WebhookNotifier}. Not thread-safe. */
    public static final class Builder {
        private final URI url;
        private HttpClient client;
        private Duration timeout = Duration.ofSeconds(5);
        private int maxAttempts = 3;
        private Duration initialBackoff = Duration.ofMillis(500);
        private Duration maxBackoff = Duration.ofSeconds(10);

        private Builder(URI url) {
            Objects.requireNonNull(url, "url");
            if (!"http".equalsIgnoreCase(url.getScheme()) && !"https".equalsIgnoreCase(url.getScheme())
                    || url.getHost() == null) {
                throw new IllegalArgumentException("A webhook URL must be http or https with a host");
            }
            this.url = url;
        }

        /** The HTTP client (default: a new one with the connect timeout = request timeout). */
        public Builder httpClient(HttpClient client) {
            this.client = Objects.requireNonNull(client, "client");
            return this;
        }

        /** The timeout of each request (default 5 s). */
        public Builder timeout(Duration timeout) {
            this.timeout = Arguments.positive(timeout, "timeout");
            return this;
        }

        /** Attempts per notification, at least 1 (default 3). */
        public Builder maxAttempts(int attempts) {
            if (attempts < 1) {
                throw new IllegalArgumentException("maxAttempts must be at least 1, got " + attempts);
            }
            this.maxAttempts = attempts;
            return this;
        }

        /** The wait before the first retry, doubled for each further one (default 500 ms), and its cap (default 10 s). */
        public Builder backoff(Duration initial, Duration max) {
            this.initialBackoff = Arguments.positive(initial, "initial backoff");
            this.maxBackoff = Arguments.positive(max, "max backoff");
            if (max.compareTo(initial) < 0) {
                throw new IllegalArgumentException("max backoff " + max + " is below the initial backoff " + initial);
            }
            return this;
        }

        /** The notifier. */
        public WebhookNotifier build() {
            return new WebhookNotifier(this);
        }
    }
}
