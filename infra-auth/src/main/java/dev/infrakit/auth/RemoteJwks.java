package dev.infrakit.auth;

import java.util.Set;
import java.util.HashSet;
import dev.infrakit.core.Arguments;
import dev.infrakit.core.RefreshAhead;

import dev.infrakit.core.http.ClientText;
import dev.infrakit.core.Ticker;
import dev.infrakit.core.health.HealthCheck;
import dev.infrakit.core.health.HealthResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The signing keys of an identity provider, fetched from its JWKS URL ({@code jwks_uri}) and
 * cached: the {@link KeyResolver} of an OAuth 2 resource server.
 *
 * <pre>{@code
 * RemoteJwks jwks = RemoteJwks.builder(URI.create("https://idp.example.com/.well-known/jwks.json")).build();
 * TokenVerifier verifier = TokenVerifier.builder(jwks).issuer("https://idp.example.com").audience("orders").build();
 * healthRegistry.register(jwks.healthCheck());
 * }</pre>
 *
 * <h2>Caching</h2>
 * A fetched set is fresh for a refresh period: the response's {@code Cache-Control: max-age},
 * clamped to 1 minute .. 24 hours, when the response has one ({@code no-cache} or
 * {@code no-store} count as the 1-minute minimum); otherwise {@link Builder#refreshAfter(Duration)}
 * (default 5 minutes). After that, {@link #keys(String)} still answers from the cached set and
 * starts one background refresh on the {@link Builder#executor(Executor) executor}. While fetches
 * fail, the last good set stays in use (each failure is logged at WARN) for
 * {@link Builder#staleIfError(Duration) staleIfError} past the end of its refresh period (default
 * 24 hours); after that it is dropped and every token is refused with
 * {@link AuthResult.Failure#UNKNOWN_KEY} until a fetch succeeds.
 *
 * <h2>Unknown key ids and load on the identity provider</h2>
 * A key id missing from the cached set is looked for again after a synchronous refetch, so a key
 * the identity provider has just rotated in is found. Every fetch except the very first is
 * allowed at most once per {@link Builder#minRefetchInterval(Duration) minRefetchInterval}
 * (default 30 s), counted from the start of the previous fetch, whatever caused it (an unknown
 * key id, a refresh, a retry after a failure): tokens with made-up key ids, or a down identity
 * provider, cannot make this service send it more than one request per interval.
 *
 * <h2>Responses</h2>
 * Only a {@code 200} with content type {@code application/json} or
 * {@code application/jwk-set+json} (parameters such as {@code charset} are ignored; the body must
 * be UTF-8) and a body of at most {@link Builder#maxResponseBytes(int) maxResponseBytes} (counted
 * while reading) is accepted, and it must parse as a {@link JwkSet} with at least one usable
 * signing key and no HMAC secrets (a secret published at a URL is no secret). Anything else is a
 * failed fetch: the previous set stays in use as above, and {@link #lastError()} says what went
 * wrong. Keys of the set that are unfit for verifying (encryption keys, weak keys) are left out,
 * as {@link JwkSet#parse(String, Set)} does; keys published without {@code alg} (Azure AD / Entra,
 * some EC providers) get their algorithms from {@link Builder#algorithmsForKeysWithoutAlg
 * algorithmsForKeysWithoutAlg} (default RS256 for RSA, the curve's for EC), never from a token.
 * Signing keys left out are reported: {@link #lastError()} and the health check (DEGRADED) say
 * why, and a token naming one is refused as {@link AuthResult.Failure#UNUSABLE_KEY} with the
 * reason; encryption keys are left out silently. The default HTTP client follows redirects only to the same
 * scheme, host and port (at most 5); a client given with {@link Builder#httpClient(HttpClient)}
 * follows its own redirect policy.
 *
 * <p>Thread-safe. Lookups in a fresh set take no lock; fetches are serialized, so concurrent
 * callers waiting for keys share one request.
 */
public final class RemoteJwks implements KeyResolver {
    private static final Logger LOG = LoggerFactory.getLogger(RemoteJwks.class);
    private static final Duration MIN_MAX_AGE = Duration.ofMinutes(1);
    private static final Duration MAX_MAX_AGE = Duration.ofHours(24);
    private static final int MAX_REDIRECTS = 5;

    private final URI uri;
    private final String safeUri;
    private final HttpClient client;
    private final boolean followSameOriginRedirects;
    private final Duration requestTimeout;
    private final Duration refreshAfter;
    private final long staleNanos;
    private final long minRefetchNanos;
    private final int maxResponseBytes;
    private final Ticker ticker;
    private final Clock clock;
    private final Executor executor;
    private final boolean allowHttp;
    private final Set<JwsAlgorithm> forKeysWithoutAlg;

    /*
     * Scheme: the last good set is an immutable Snapshot in a volatile field, so lookups are one
     * volatile read. Every fetch runs while holding fetchLock; the fields below written by a
     * fetch are volatile only so that the observability methods and the fetch gate can read them
     * without the lock. A caller that needs a fetch (no usable set, or an unknown key id) takes the
     * lock, then re-checks: if another thread fetched meanwhile it uses that result, and the gate
     * (lastFetchStart + minRefetchInterval) stops a second request. Background refreshes are
     * limited to one in flight per set by its RefreshAhead timing and also pass the gate.
     */
    private final ReentrantLock fetchLock = new ReentrantLock();
    private final LongAdder fetches = new LongAdder();
    private volatile Snapshot snapshot;
    private volatile boolean fetched;
    private volatile long lastFetchStart;
    private volatile boolean lastFetchFailed;
    private volatile String lastError;
    private volatile Instant lastSuccess;
    private volatile String leftOut;

    /**
     * One good key set and its timing: fresh for the refresh period, then used while a background
     * refresh runs or fetches fail, for staleIfError more.
     */
    private static final class Snapshot {
        final List<VerificationKey> all;
        final Map<String, VerificationKey> byKid;
        final JwkSet set;
        final RefreshAhead timing;

        Snapshot(JwkSet set, RefreshAhead timing) {
            this.set = set;
            this.all = List.copyOf(set.keys());
            this.byKid = new HashMap<>();
            for (VerificationKey k : all) {
                k.kid().ifPresent(kid -> byKid.put(kid, k)); // unique: JwkSet refuses duplicate ids
            }
            this.timing = timing;
        }

        boolean usable(long now) {
            return timing.usable(now);
        }

        List<VerificationKey> find(String kid) {
            if (kid == null) {
                return all;
            }
            VerificationKey k = byKid.get(kid);
            return k == null ? List.of() : List.of(k);
        }
    }

    /** A fetch that failed; the message is safe to log and show (no body, no key material). */
    private static final class FetchFailure extends Exception {
        private static final long serialVersionUID = 1L;

        FetchFailure(String message) {
            super(message, null, false, false);
        }
    }

    private RemoteJwks(Builder b) {
        this.uri = b.uri;
        this.safeUri = safe(b.uri);
        this.followSameOriginRedirects = b.httpClient == null;
        this.client = b.httpClient != null ? b.httpClient
                : HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).followRedirects(HttpClient.Redirect.NEVER)
                        .build();
        this.requestTimeout = b.requestTimeout;
        this.refreshAfter = b.refreshAfter;
        this.staleNanos = b.staleIfError.toNanos();
        this.minRefetchNanos = b.minRefetchInterval.toNanos();
        this.maxResponseBytes = b.maxResponseBytes;
        this.ticker = b.ticker;
        this.clock = b.clock;
        this.executor = b.executor;
        this.allowHttp = b.allowHttp;
        this.forKeysWithoutAlg = b.forKeysWithoutAlg;
    }

    /**
     * A builder for the key set at {@code jwksUri}.
     *
     * @throws IllegalArgumentException if the URI is not an absolute http or https URL with a host
     *     ({@code http} is refused later, by {@link Builder#build()}, unless allowed)
     */
    public static Builder builder(URI jwksUri) {
        return new Builder(jwksUri);
    }

    /**
     * The keys with key id {@code kid} (every key when {@code kid} is null), from the cached set,
     * fetching it as described in the class comment: synchronously when no set is usable or the
     * key id is unknown (both at most once per minimum refetch interval), in the background when
     * the set is due for a refresh. Empty when no such key is known, including when no set could
     * be fetched (see {@link #lastError()}). Never throws for a failed fetch. May block for up to
     * the connect and request timeouts while a fetch runs.
     */
    @Override
    public List<VerificationKey> keys(String kid) {
        long now = ticker.read();
        Snapshot s = snapshot;
        if (s == null || !s.usable(now)) {
            s = fetchIfUnusable();
            return s == null ? List.of() : s.find(kid);
        }
        if (!s.timing.fresh(now)) {
            refreshAhead(s, now);
            s = usableOr(snapshot, s);
        }
        List<VerificationKey> found = s.find(kid);
        if (found.isEmpty() && KeyIds.valid(kid) && s.set.whyUnusable(kid).isEmpty()) {
            found = usableOr(refetchForUnknownKid(s), s).find(kid);
        }
        return found;
    }

    private Snapshot usableOr(Snapshot candidate, Snapshot fallback) {
        return candidate != null && candidate.usable(ticker.read()) ? candidate : fallback;
    }

    /** Fetches when no set is usable (unless another thread just did, or the gate is closed); the usable set or null. */
    private Snapshot fetchIfUnusable() {
        fetchLock.lock();
        try {
            Snapshot s = snapshot;
            if (s != null && s.usable(ticker.read())) {
                return s;
            }
            if (mayFetch(ticker.read())) {
                fetch();
            }
            s = snapshot;
            return s != null && s.usable(ticker.read()) ? s : null;
        } finally {
            fetchLock.unlock();
        }
    }

    /** Refetches for a key id missing from {@code seen}, unless the set changed meanwhile or the gate is closed. */
    private Snapshot refetchForUnknownKid(Snapshot seen) {
        fetchLock.lock();
        try {
            if (snapshot == seen && mayFetch(ticker.read())) {
                fetch();
            }
            return snapshot;
        } finally {
            fetchLock.unlock();
        }
    }

    private boolean mayFetch(long now) {
        return !fetched || now - lastFetchStart >= minRefetchNanos;
    }

    private void refreshAhead(Snapshot s, long now) {
        if (!mayFetch(now)) {
            return;
        }
        try {
            s.timing.refreshInBackground(executor, () -> {
                fetchLock.lock();
                try {
                    if (snapshot == s && mayFetch(ticker.read())) {
                        fetch();
                    }
                } finally {
                    fetchLock.unlock();
                }
            });
        } catch (RuntimeException rejected) {
            LOG.warn("JWKS {}: the executor refused the background refresh ({}); the next lookup tries again", safeUri,
                    ClientText.forLog(rejected.toString(), 500));
        }
    }

    /** One fetch, recorded; the caller holds {@link #fetchLock}. */
    private void fetch() {
        long start = ticker.read();
        fetched = true;
        lastFetchStart = start;
        fetches.increment();
        try {
            HttpResponse<InputStream> response = send();
            JwkSet set = read(response);
            Duration refresh = refreshPeriod(response);
            long now = ticker.read();
            snapshot = new Snapshot(set, new RefreshAhead(now, refresh.toNanos(), refresh.toNanos() + staleNanos, 0));
            lastSuccess = clock.instant();
            lastFetchFailed = false;
            String unusable = set.unusable().isEmpty() ? null : leftOut(set);
            lastError = unusable;
            if (unusable != null && !unusable.equals(leftOut)) {
                LOG.warn("JWKS {}: {}", safeUri, ClientText.forLog(unusable, 2000));
            } else if (!set.skipped().isEmpty()) {
                LOG.debug("JWKS {}: {} usable keys, {} left out as unfit for verifying signatures", safeUri,
                        set.keys().size(), set.skipped().size());
            }
            leftOut = unusable;
        } catch (FetchFailure e) {
            failed(e.getMessage(), null);
        } catch (RuntimeException e) {
            // Not expected from the HTTP client or the parser; recorded like any failed fetch so a
            // lookup never throws, and logged with its stack trace for a bug report.
            failed("unexpected " + e.getClass().getSimpleName() + " while fetching", e);
        }
    }

    /** What a set's unusable signing keys are and why: at most 5 reasons, each cut to 300 characters. */
    private String leftOut(JwkSet set) {
        List<String> unusable = set.unusable();
        StringBuilder text = new StringBuilder().append(unusable.size()).append(" signing key")
                .append(unusable.size() == 1 ? " was" : "s were").append(" left out (tokens signed with ")
                .append(unusable.size() == 1 ? "it" : "them").append(" are refused), ").append(set.keys().size())
                .append(" usable: ");
        for (int i = 0; i < Math.min(5, unusable.size()); i++) {
            text.append(i == 0 ? "" : "; ").append(ClientText.truncate(unusable.get(i), 300));
        }
        if (unusable.size() > 5) {
            text.append("; and ").append(unusable.size() - 5).append(" more");
        }
        return text.toString();
    }

    private void failed(String error, RuntimeException bug) {
        lastError = error;
        lastFetchFailed = true;
        Snapshot s = snapshot;
        long now = ticker.read();
        if (s != null && s.usable(now)) {
            LOG.warn("JWKS fetch failed: {}; still using the key set fetched at {}, at most until {}",
                    ClientText.forLog(error, 1000), lastSuccess,
                    clock.instant().plusNanos(s.timing.expireAt() - now), bug);
        } else {
            LOG.error("JWKS fetch failed: {}; no usable key set, so every token is refused (unknown key) until a fetch"
                    + " succeeds", ClientText.forLog(error, 1000), bug);
        }
    }

    /** GET, following same-origin redirects with the default client; the response body is still unread. */
    private HttpResponse<InputStream> send() throws FetchFailure {
        URI target = uri;
        for (int hop = 0; ; hop++) {
            HttpRequest request = HttpRequest.newBuilder(target).timeout(requestTimeout).GET()
                    .header("Accept", "application/jwk-set+json, application/json").build();
            HttpResponse<InputStream> response;
            try {
                response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
            } catch (HttpTimeoutException e) {
                throw new FetchFailure("GET " + safe(target) + " did not answer within " + requestTimeout.toMillis() + " ms");
            } catch (IOException e) {
                throw new FetchFailure("GET " + safe(target) + " failed: " + e.getClass().getSimpleName()
                        + (e.getMessage() == null ? "" : " " + e.getMessage()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new FetchFailure("GET " + safe(target) + " was interrupted");
            }
            int status = response.statusCode();
            if (!followSameOriginRedirects || !isRedirect(status)) {
                return response;
            }
            close(response);
            Optional<String> location = response.headers().firstValue("Location");
            if (location.isEmpty()) {
                throw new FetchFailure("GET " + safe(target) + " answered HTTP " + status + " without a Location");
            }
            if (hop == MAX_REDIRECTS) {
                throw new FetchFailure("GET " + safeUri + " was redirected more than " + MAX_REDIRECTS + " times");
            }
            URI next;
            try {
                next = target.resolve(new URI(location.get()));
            } catch (URISyntaxException | IllegalArgumentException e) {
                throw new FetchFailure("GET " + safe(target) + " redirected to a Location that is not a valid URI");
            }
            if (!sameOrigin(target, next)) {
                throw new FetchFailure("GET " + safe(target) + " redirected to " + safe(next)
                        + "; redirects to another scheme, host or port are refused");
            }
            target = next;
        }
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    private static boolean sameOrigin(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(String.valueOf(b.getScheme())) && b.getHost() != null
                && a.getHost().equalsIgnoreCase(b.getHost()) && port(a) == port(b);
    }

    private static int port(URI u) {
        return u.getPort() >= 0 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }

    private static void close(HttpResponse<InputStream> response) {
        try {
            response.body().close();
        } catch (IOException ignored) {
            // Only releases the connection; nothing to report.
        }
    }

    /** Checks the response and parses its body, reading at most maxResponseBytes. */
    private JwkSet read(HttpResponse<InputStream> response) throws FetchFailure {
        String where = "GET " + safe(response.uri());
        try (InputStream in = response.body()) {
            if (response.statusCode() != 200) {
                throw new FetchFailure(where + " answered HTTP " + response.statusCode() + ", expected 200");
            }
            String type = response.headers().firstValue("Content-Type").orElse("");
            String mediaType = type.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
            if (!mediaType.equals("application/json") && !mediaType.equals("application/jwk-set+json")) {
                throw new FetchFailure(where + " answered with content type '"
                        + (mediaType.isEmpty() ? "(none)" : printable(mediaType))
                        + "', expected application/jwk-set+json or application/json");
            }
            OptionalLong declared = declaredLength(response);
            if (declared.isPresent() && declared.getAsLong() > maxResponseBytes) {
                throw new FetchFailure(where + " answered " + declared.getAsLong() + " bytes, more than the "
                        + maxResponseBytes + " allowed (maxResponseBytes)");
            }
            byte[] body = in.readNBytes(maxResponseBytes + 1);
            if (body.length > maxResponseBytes) {
                throw new FetchFailure(where + " answered more than the " + maxResponseBytes
                        + " bytes allowed (maxResponseBytes)");
            }
            String json;
            try {
                json = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(body)).toString();
            } catch (CharacterCodingException e) {
                throw new FetchFailure(where + " answered a body that is not UTF-8");
            }
            JwkSet set;
            try {
                set = JwkSet.parse(json, forKeysWithoutAlg);
            } catch (IllegalArgumentException e) {
                throw new FetchFailure(where + " answered no usable JWK set: " + e.getMessage());
            }
            for (VerificationKey k : set.keys()) {
                if (!k.isPublic()) {
                    throw new FetchFailure(where + " answered a JWK set holding HMAC secrets (kty oct); a remote set may"
                            + " hold public keys only");
                }
            }
            if (set.keys().isEmpty()) {
                throw new FetchFailure(where + " answered a JWK set without usable signing keys ("
                        + set.skipped().size() + " unfit keys left out)");
            }
            return set;
        } catch (IOException e) {
            throw new FetchFailure(where + " failed while reading the body: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " " + e.getMessage()));
        }
    }

    private static OptionalLong declaredLength(HttpResponse<?> response) {
        try {
            return response.headers().firstValueAsLong("Content-Length");
        } catch (NumberFormatException e) {
            return OptionalLong.empty(); // the limit is enforced while reading anyway
        }
    }

    /** The response's max-age clamped to 1 min .. 24 h, or the configured refresh period when it has none. */
    private Duration refreshPeriod(HttpResponse<?> response) {
        Long maxAge = null;
        for (String header : response.headers().allValues("Cache-Control")) {
            for (String directive : header.split(",")) {
                String d = directive.trim().toLowerCase(Locale.ROOT);
                if (d.equals("no-cache") || d.equals("no-store")) {
                    maxAge = 0L;
                } else if (d.startsWith("max-age=") && maxAge == null) {
                    String value = d.substring("max-age=".length()).replace("\"", "");
                    try {
                        maxAge = Math.max(0, Long.parseLong(value));
                    } catch (NumberFormatException ignored) {
                        // An invalid max-age is ignored, as RFC 9111 asks.
                    }
                }
            }
        }
        if (maxAge == null) {
            return refreshAfter;
        }
        Duration d = maxAge > MAX_MAX_AGE.toSeconds() ? MAX_MAX_AGE : Duration.ofSeconds(maxAge);
        return d.compareTo(MIN_MAX_AGE) < 0 ? MIN_MAX_AGE : d;
    }

    /** The URL without user info, query or fragment. */
    private static String safe(URI u) {
        return u.getScheme() + "://" + u.getHost() + (u.getPort() < 0 ? "" : ":" + u.getPort())
                + (u.getRawPath() == null ? "" : u.getRawPath());
    }

    private static String printable(String s) {
        String cut = s.length() > 64 ? s.substring(0, 64) + "..." : s;
        return cut.replaceAll("[^\\x20-\\x7e]", "?");
    }

    /** The JWKS URL (without user info, query or fragment). */
    public String uri() {
        return safeUri;
    }

    /** When a fetch last succeeded (by the builder's clock); empty if none has. */
    public Optional<Instant> lastSuccess() {
        return Optional.ofNullable(lastSuccess);
    }

    /**
     * Why the most recent fetch failed, or, when it succeeded but left signing keys out, which and
     * why (too weak, an unsupported type or algorithm, no allowed algorithm for a key without
     * {@code alg}); empty if it succeeded with every signing key usable, or none was made.
     * Encryption keys left out are not mentioned. Says what was wrong (status, content type,
     * size, parse error, the key's index, id and reason) and never contains the body or key
     * material.
     */
    public Optional<String> lastError() {
        return Optional.ofNullable(lastError);
    }

    /** Fetches made (successful or not, synchronous or in the background). */
    public long fetches() {
        return fetches.sum();
    }

    /**
     * Why the key with id {@code kid}, which the cached set's document holds, cannot verify tokens;
     * empty when the cached set has no such key, or no set is usable. Fetches nothing.
     */
    @Override
    public Optional<String> whyUnusable(String kid) {
        Snapshot s = snapshot;
        return s == null || !s.usable(ticker.read()) ? Optional.empty() : s.set.whyUnusable(kid);
    }

    /**
     * A health check named {@code jwks:<host>}, in the {@link HealthCheck#READINESS} group: UP when
     * the last fetch succeeded with every signing key usable, DEGRADED while the last good set is
     * served after failed fetches or when some of its signing keys cannot be used (the others
     * verify; the message says which and why), DOWN when no set is usable. When no set is usable it first tries a fetch (subject to the
     * minimum refetch interval), so a service that has seen no token yet can become ready.
     */
    public HealthCheck healthCheck() {
        return HealthCheck.of("jwks:" + uri.getHost(), this::health).groups(HealthCheck.READINESS).build();
    }

    private HealthResult health() {
        Snapshot s = snapshot;
        if (s == null || !s.usable(ticker.read())) {
            s = fetchIfUnusable();
        }
        String error = lastError;
        HealthResult.Builder result;
        if (s == null) {
            result = HealthResult.down(error != null ? "no usable key set: " + error
                    : "no usable key set: none fetched yet");
        } else if (lastFetchFailed) {
            result = HealthResult.degraded("serving the key set fetched at " + lastSuccess + " after failed fetches: "
                    + error);
        } else if (!s.set.unusable().isEmpty()) {
            result = HealthResult.degraded(leftOut(s.set));
        } else {
            result = HealthResult.up();
        }
        result.detail("url", safeUri).detail("fetches", fetches()).detail("keys", s == null ? 0 : s.all.size())
                .detail("unusableKeys", s == null ? 0 : s.set.unusable().size())
                .detail("ignoredKeys", s == null ? 0 : s.set.skipped().size() - s.set.unusable().size());
        Instant success = lastSuccess;
        if (success != null) {
            result.detail("lastSuccess", success.toString());
        }
        return result.build();
    }

    @Override
    public String toString() {
        Snapshot s = snapshot;
        return "RemoteJwks[" + safeUri + ", " + (s == null ? "no set" : s.all.size() + " keys")
                + (allowHttp ? ", http allowed" : "") + "]";
    }

    /** Builds a {@link RemoteJwks}. Not thread-safe; each setting is validated when given. */
    public static final class Builder {
        private final Set<String> given = new HashSet<>();

        private final URI uri;
        private HttpClient httpClient;
        private Duration requestTimeout = Duration.ofSeconds(5);
        private Duration refreshAfter = Duration.ofMinutes(5);
        private Duration staleIfError = Duration.ofHours(24);
        private Duration minRefetchInterval = Duration.ofSeconds(30);
        private int maxResponseBytes = 512 * 1024;
        private Ticker ticker = Ticker.systemTicker();
        private Clock clock = Clock.systemUTC();
        private Executor executor = ForkJoinPool.commonPool();
        private boolean allowHttp;
        private Set<JwsAlgorithm> forKeysWithoutAlg = JwkSet.defaultAlgorithmsForKeysWithoutAlg();

        private Builder(URI uri) {
            Objects.requireNonNull(uri, "jwksUri");
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!uri.isAbsolute() || !(scheme.equals("https") || scheme.equals("http")) || uri.getHost() == null) {
                throw new IllegalArgumentException("jwksUri must be an absolute https URL with a host, got one with scheme '"
                        + printable(String.valueOf(uri.getScheme())) + "' and host '" + printable(String.valueOf(uri.getHost()))
                        + "'");
            }
            this.uri = uri;
        }

        /**
         * The HTTP client (default: a client with a 5 s connect timeout that follows redirects
         * only to the same scheme, host and port). A client given here follows its own redirect
         * policy.
         */
        public Builder httpClient(HttpClient httpClient) {
            Arguments.markSet(given, "httpClient");
            this.httpClient = Objects.requireNonNull(httpClient, "httpClient");
            return this;
        }

        /** How long one request may take until the response headers arrive (default 5 s). */
        public Builder requestTimeout(Duration requestTimeout) {
            Arguments.markSet(given, "requestTimeout");
            this.requestTimeout = Arguments.positive(requestTimeout, "requestTimeout");
            return this;
        }

        /**
         * How long a fetched set is fresh when the response has no {@code Cache-Control: max-age}
         * (default 5 minutes). A max-age, clamped to 1 minute .. 24 hours, takes precedence.
         */
        public Builder refreshAfter(Duration refreshAfter) {
            Arguments.markSet(given, "refreshAfter");
            this.refreshAfter = Arguments.positive(refreshAfter, "refreshAfter");
            return this;
        }

        /**
         * How long past its refresh period the last good set stays in use while fetches fail
         * (default 24 hours; zero: not at all).
         */
        public Builder staleIfError(Duration staleIfError) {
            Arguments.markSet(given, "staleIfError");
            this.staleIfError = Arguments.notNegative(staleIfError, "staleIfError");
            return this;
        }

        /**
         * The least time between the starts of two fetches after the first (default 30 s): bounds
         * the requests that unknown key ids, refreshes and retries can cause.
         */
        public Builder minRefetchInterval(Duration minRefetchInterval) {
            Arguments.markSet(given, "minRefetchInterval");
            this.minRefetchInterval = Arguments.positive(minRefetchInterval, "minRefetchInterval");
            return this;
        }

        /** The largest response body accepted, in bytes (default 512 KiB; at least 1024). */
        public Builder maxResponseBytes(int maxResponseBytes) {
            Arguments.markSet(given, "maxResponseBytes");
            if (maxResponseBytes < 1024 || maxResponseBytes == Integer.MAX_VALUE) {
                throw new IllegalArgumentException("maxResponseBytes must be at least 1024 and less than "
                        + Integer.MAX_VALUE + ", got " + maxResponseBytes);
            }
            this.maxResponseBytes = maxResponseBytes;
            return this;
        }

        /** The time source for refresh and retry timing (tests: a {@link dev.infrakit.core.ManualClock}). */
        public Builder ticker(Ticker ticker) {
            Arguments.markSet(given, "ticker");
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /** The wall clock that stamps {@link RemoteJwks#lastSuccess()} (default UTC system clock). */
        public Builder clock(Clock clock) {
            Arguments.markSet(given, "clock");
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Where background refreshes run (default the common pool; tests: {@code Runnable::run}). */
        public Builder executor(Executor executor) {
            Arguments.markSet(given, "executor");
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * Whether a plain {@code http} URL is accepted (default false). Keys fetched over http can
         * be replaced by anyone on the path, who can then sign any token: only for tests on
         * localhost.
         */
        public Builder allowHttp(boolean allowHttp) {
            Arguments.markSet(given, "allowHttp");
            this.allowHttp = allowHttp;
            return this;
        }

        /**
         * The algorithms a key published without {@code alg} may verify, matched to its type and
         * size (default {@link JwkSet#defaultAlgorithmsForKeysWithoutAlg()}: RS256 for RSA keys of
         * at least 2048 bits, ES256 / ES384 / ES512 for EC keys on P-256 / P-384 / P-521). Give
         * {@code RS256, PS256} for a provider that signs with both; leave an EC algorithm out to
         * refuse keys on its curve. A token is verified with such a key only when its header
         * names one of the key's algorithms; a key that fits none is left out and reported.
         *
         * @throws IllegalArgumentException if none, or an HMAC algorithm, is given
         */
        public Builder algorithmsForKeysWithoutAlg(JwsAlgorithm... algorithms) {
            Arguments.markSet(given, "algorithmsForKeysWithoutAlg");
            this.forKeysWithoutAlg = VerificationKey.checkAllowed("algorithmsForKeysWithoutAlg", algorithms);
            return this;
        }

        /**
         * The key set; nothing is fetched until the first lookup or health check.
         *
         * @throws IllegalArgumentException if the URL is {@code http} and {@link #allowHttp(boolean)}
         *     was not set
         */
        public RemoteJwks build() {
            if (!"https".equalsIgnoreCase(uri.getScheme()) && !allowHttp) {
                throw new IllegalArgumentException("jwksUri " + safe(uri) + " is not https: keys fetched over plain http"
                        + " can be replaced in transit, letting anyone sign tokens. Use https, or allowHttp(true) for a"
                        + " local test server");
            }
            return new RemoteJwks(this);
        }

    }
}
