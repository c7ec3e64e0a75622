package dev.infrakit.core.notify;

import dev.infrakit.core.Arguments;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.infrakit.core.http.ClientText;
import dev.infrakit.core.internal.JsonText;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Posts notifications to a chat incoming webhook (Slack, Mattermost, Rocket.Chat, Discord's
 * Slack-compatible endpoint) as {@code {"text": "..."}} over the JDK's {@link HttpClient}.
 *
 * <p>Each send tries up to {@code maxAttempts} times: a connection failure, a timeout, a 5xx or a
 * 429 (honouring {@code Retry-After}, capped at the maximum backoff) is retried after an
 * exponentially growing backoff; any other non-2xx status fails at once, since retrying a rejected
 * request cannot help.
 *
 * <p>{@link #send} has one deadline, the {@linkplain Builder#timeout timeout}: connecting, sending,
 * the status, the response body, every retry and every backoff wait all fit in it, so a server that
 * stalls, or dribbles its answer a byte at a time, holds the caller no longer than the timeout (and
 * a retry that could not finish before it is not started). The response body is never buffered:
 * at most {@value #MAX_BODY_BYTES} bytes of it are read and discarded, then the exchange is
 * cancelled, so a server answering with an endless body costs neither memory nor time.
 *
 * <p>The webhook URL carries its secret in the path, so it is never logged or put in messages in
 * full: only scheme and host appear. Thread-safe.
 */
public final class WebhookNotifier implements Notifier {
    private static final Logger LOG = LoggerFactory.getLogger(WebhookNotifier.class);
    /** The most bytes of a response body read (and discarded) before the exchange is cancelled. */
    public static final int MAX_BODY_BYTES = 16 * 1024;

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
        this.timeout = b.timeout != null ? b.timeout : Duration.ofSeconds(10);
        this.client = b.client != null ? b.client : HttpClient.newBuilder().connectTimeout(timeout).build();
        this.maxAttempts = b.maxAttempts != null ? b.maxAttempts : 3;
        this.initialBackoff = b.initialBackoff != null ? b.initialBackoff : Duration.ofMillis(500);
        this.maxBackoff = b.maxBackoff != null ? b.maxBackoff : Duration.ofSeconds(10);
    }

    /** A builder posting to {@code url} (http or https). */
    public static Builder builder(URI url) {
        return new Builder(url);
    }

    /** The JSON body sent for {@code notification}: {@code {"text": "..."}}. */
    static String body(Notification notification) {
        return "{\"text\":" + JsonText.quote(notification.toText()) + "}";
    }

    /**
     * Posts {@code notification}, retrying as described above, within the timeout.
     *
     * @throws NotificationException if it was rejected, every attempt failed, the deadline passed
     *     (the exchange in flight is cancelled), or the thread was interrupted (its flag is set again)
     */
    @Override
    public void send(Notification notification) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String body = body(notification);
        Duration backoff = initialBackoff;
        String lastFailure = "";
        for (int attempt = 1; attempt <= maxAttempts; attempt++) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw deadlinePassed(notification, attempt - 1, lastFailure);
            }
            HttpRequest request = HttpRequest.newBuilder(url).timeout(Duration.ofNanos(left))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                    .build();
            Duration wait = backoff;
            CompletableFuture<HttpResponse<Long>> exchange = client.sendAsync(request, CappedDiscard::new);
            try {
                HttpResponse<Long> response = exchange.get(Math.max(1, left), TimeUnit.NANOSECONDS);
                int status = response.statusCode();
                if (status >= 200 && status < 300) {
                    return;
                }
                lastFailure = "HTTP " + status;
                if (status != 429 && status < 500) {
                    throw new NotificationException("Webhook " + safeUrl + " rejected the notification '"
                            + ClientText.forLog(notification.title(), 200) + "' with HTTP " + status);
                }
                if (status == 429) {
                    wait = retryAfter(response).map(r -> r.compareTo(maxBackoff) > 0 ? maxBackoff : r).orElse(backoff);
                }
            } catch (TimeoutException e) {
                exchange.cancel(true);
                throw deadlinePassed(notification, attempt, "no complete answer within the deadline");
            } catch (ExecutionException e) {
                Throwable cause = e.getCause() == null ? e : e.getCause();
                lastFailure = cause.getClass().getSimpleName()
                        + (cause.getMessage() == null ? "" : ": " + ClientText.forLog(cause.getMessage(), 300));
            } catch (InterruptedException e) {
                exchange.cancel(true);
                Thread.currentThread().interrupt();
                throw new NotificationException("Interrupted while sending to webhook " + safeUrl, e);
            }
            if (attempt < maxAttempts) {
                if (System.nanoTime() + wait.toNanos() >= deadline) {
                    throw deadlinePassed(notification, attempt, lastFailure);
                }
                LOG.debug("Webhook {} attempt {} failed ({}); retrying in {}", safeUrl, attempt, lastFailure, wait);
                sleep(wait);
                backoff = backoff.multipliedBy(2).compareTo(maxBackoff) > 0 ? maxBackoff : backoff.multipliedBy(2);
            }
        }
        throw new NotificationException("Webhook " + safeUrl + " failed " + maxAttempts + " times for '"
                + ClientText.forLog(notification.title(), 200) + "'; last: " + lastFailure);
    }

    private NotificationException deadlinePassed(Notification notification, int attempts, String lastFailure) {
        return new NotificationException("Webhook " + safeUrl + " gave up on '" + ClientText.forLog(notification.title(),
                200) + "' at its " + timeout.toMillis() + " ms deadline after " + attempts + " attempt(s)"
                + (lastFailure.isEmpty() ? "" : "; last: " + lastFailure));
    }

    /**
     * Reads at most {@link #MAX_BODY_BYTES} of the body, keeping none of it, then cancels the
     * subscription (which ends the exchange). Completes with the bytes seen.
     */
    private static final class CappedDiscard implements HttpResponse.BodySubscriber<Long> {
        private final CompletableFuture<Long> result = new CompletableFuture<>();
        private Flow.Subscription subscription;
        private long seen;

        CappedDiscard(HttpResponse.ResponseInfo info) {
        }

        @Override
        public CompletionStage<Long> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            this.subscription = s;
            s.request(1);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            for (ByteBuffer b : items) {
                seen += b.remaining();
            }
            if (seen > MAX_BODY_BYTES) {
                subscription.cancel();
                result.complete(seen);
            } else {
                subscription.request(1);
            }
        }

        @Override
        public void onError(Throwable t) {
            result.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            result.complete(seen);
        }
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
    public String name() {
        return "webhook(" + safeUrl + ")";
    }

    @Override
    public String toString() {
        return name();
    }

    /** Builds a {@link WebhookNotifier}; each setting may be given once. Not thread-safe. */
    public static final class Builder {
        private final URI url;
        private HttpClient client;
        private Duration timeout;
        private Integer maxAttempts;
        private Duration initialBackoff;
        private Duration maxBackoff;

        private Builder(URI url) {
            Objects.requireNonNull(url, "url");
            if (!"http".equalsIgnoreCase(url.getScheme()) && !"https".equalsIgnoreCase(url.getScheme())
                    || url.getHost() == null) {
                throw new IllegalArgumentException("A webhook URL must be http or https with a host");
            }
            this.url = url;
        }

        /**
         * The HTTP client (default: a new one with the connect timeout = request timeout).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder httpClient(HttpClient client) {
            Arguments.setOnce(this.client, "httpClient");
            this.client = Objects.requireNonNull(client, "client");
            return this;
        }

        /**
         * The deadline of each {@link WebhookNotifier#send}: connecting, the request, the answer with
         * its body, every retry and backoff wait included (default 10 s). Also the connect timeout
         * of the default client.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder timeout(Duration timeout) {
            Arguments.setOnce(this.timeout, "timeout");
            this.timeout = Arguments.positive(timeout, "timeout");
            return this;
        }

        /**
         * Attempts per notification, at least 1 (default 3).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder maxAttempts(int attempts) {
            Arguments.setOnce(maxAttempts, "maxAttempts");
            if (attempts < 1) {
                throw new IllegalArgumentException("maxAttempts must be at least 1, got " + attempts);
            }
            this.maxAttempts = attempts;
            return this;
        }

        /**
         * The wait before the first retry, doubled for each further one (default 500 ms), and its cap (default 10 s).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder backoff(Duration initial, Duration max) {
            Arguments.setOnce(initialBackoff, "backoff");
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
