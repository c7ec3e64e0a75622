package dev.infrakit.core.health;

import dev.infrakit.core.Arguments;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * Checks another service over HTTP: a GET of its URL must answer with an expected status (2xx or
 * 3xx by default) within the request timeout, else DOWN; an answer slower than the latency bound is
 * DEGRADED. The observed value is the latency in ms. Named {@code http:<host>}, in the
 * {@link HealthCheck#READINESS} group by default. The URL's query and user info are never shown
 * (they often carry tokens). Thread-safe.
 */
public final class HttpProbeHealthCheck extends AbstractHealthCheck {
    private final URI uri;
    private final HttpClient client;
    private final Duration requestTimeout;
    private final Duration latencyBound;
    private final int minStatus;
    private final int maxStatus;

    private HttpProbeHealthCheck(Builder b) {
        super(b);
        this.uri = b.uri;
        Duration requestTimeout = b.requestTimeout != null ? b.requestTimeout : Duration.ofSeconds(2);
        this.client = b.client != null ? b.client
                : HttpClient.newBuilder().connectTimeout(requestTimeout).followRedirects(HttpClient.Redirect.NEVER)
                        .build();
        this.requestTimeout = requestTimeout;
        this.latencyBound = b.latencyBound;
        this.minStatus = b.minStatus != null ? b.minStatus : 200;
        this.maxStatus = b.maxStatus != null ? b.maxStatus : 399;
    }

    /** A builder for a probe of {@code uri} (http or https). */
    public static Builder builder(URI uri) {
        return new Builder(uri);
    }

    @Override
    public HealthResult check() throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(requestTimeout).GET()
                .header("User-Agent", "infrakit-health").build();
        long start = System.nanoTime();
        HttpResponse<Void> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.discarding());
        } catch (HttpTimeoutException e) {
            return HealthResult.down(safe(uri) + " did not answer within " + requestTimeout.toMillis() + "ms").build();
        } catch (IOException e) {
            return HealthResult.down(safe(uri) + " unreachable: " + (e.getMessage() == null
                    ? e.getClass().getSimpleName() : e.getMessage())).build();
        }
        long nanos = System.nanoTime() - start;
        double millis = Measure.millis(nanos);
        int status = response.statusCode();
        HealthResult.Builder result;
        if (status < minStatus || status > maxStatus) {
            result = HealthResult.down(safe(uri) + " answered " + status + ", expected " + minStatus + "-" + maxStatus);
        } else if (latencyBound != null && nanos > latencyBound.toNanos()) {
            result = HealthResult.degraded(safe(uri) + " answered in " + millis + "ms, above "
                    + latencyBound.toMillis() + "ms");
        } else {
            result = HealthResult.up();
        }
        return result.observed(millis, "ms").detail("url", safe(uri)).detail("httpStatus", status).build();
    }

    /** The URL without user info, query or fragment. */
    static String safe(URI uri) {
        return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort())
                + (uri.getRawPath() == null ? "" : uri.getRawPath());
    }

    /** Builds an {@link HttpProbeHealthCheck}; each setting may be given once. Not thread-safe. */
    public static final class Builder extends AbstractHealthCheck.Builder<Builder> {
        private final URI uri;
        private HttpClient client;
        private Duration requestTimeout;
        private Duration latencyBound;
        private Integer minStatus;
        private Integer maxStatus;

        private Builder(URI uri) {
            super("http:" + host(uri), Set.of(READINESS));
            this.uri = uri;
        }

        private static String host(URI uri) {
            Objects.requireNonNull(uri, "uri");
            if (!"http".equalsIgnoreCase(uri.getScheme()) && !"https".equalsIgnoreCase(uri.getScheme())
                    || uri.getHost() == null) {
                throw new IllegalArgumentException("Expected an http or https URL with a host, got "
                        + uri.getScheme() + "://" + uri.getHost());
            }
            return uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
        }

        @Override
        protected Builder self() {
            return this;
        }

        /**
         * The client to send with (default: a new one, no redirects, connect timeout = request timeout).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder httpClient(HttpClient client) {
            Arguments.setOnce(this.client, "httpClient");
            this.client = Objects.requireNonNull(client, "client");
            return this;
        }

        /**
         * DOWN when no answer arrives within this (default 2 s).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder requestTimeout(Duration timeout) {
            Arguments.setOnce(requestTimeout, "requestTimeout");
            this.requestTimeout = HealthChecks.requirePositive("requestTimeout", timeout);
            return this;
        }

        /**
         * DEGRADED when the answer takes longer than this (default: no bound).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder latencyBound(Duration bound) {
            Arguments.setOnce(latencyBound, "latencyBound");
            this.latencyBound = HealthChecks.requirePositive("latencyBound", bound);
            return this;
        }

        /**
         * The accepted status codes, inclusive (default 200-399).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder expectStatus(int min, int max) {
            Arguments.setOnce(minStatus, "expectStatus");
            if (min < 100 || max > 599 || min > max) {
                throw new IllegalArgumentException("Expected a status range within 100-599, got " + min + "-" + max);
            }
            this.minStatus = min;
            this.maxStatus = max;
            return this;
        }

        /** The check. */
        public HttpProbeHealthCheck build() {
            return new HttpProbeHealthCheck(this);
        }
    }
}
