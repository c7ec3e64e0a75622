package dev.infrakit.auth;

import com.sun.net.httpserver.HttpServer;
import dev.infrakit.core.ManualClock;
import dev.infrakit.core.health.HealthResult;
import dev.infrakit.core.health.HealthStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link RemoteJwks} against a real HTTP server on localhost, with time driven by a {@link ManualClock}. */
class RemoteJwksIT {
    private static final String ISSUER = "https://idp.example.test";
    private static final String AUDIENCE = "orders";
    private static final SigningKey ES_1 = SigningKey.generate(JwsAlgorithm.ES256, "es-1");
    private static final SigningKey ES_2 = SigningKey.generate(JwsAlgorithm.ES256, "es-2");
    private static final SigningKey RS_1 = SigningKey.generate(JwsAlgorithm.RS256, "rs-1");

    /** What the server answers; replaced by tests to simulate the identity provider. */
    private static final class Answer {
        final int status;
        final String contentType;
        final byte[] body;
        final boolean chunked;
        final Map<String, String> headers;

        Answer(int status, String contentType, String body, boolean chunked, Map<String, String> headers) {
            this.status = status;
            this.contentType = contentType;
            this.body = body.getBytes(StandardCharsets.UTF_8);
            this.chunked = chunked;
            this.headers = headers;
        }
    }

    private final ManualClock clock = ManualClock.at(Instant.parse("2026-06-01T12:00:00Z"));
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicReference<Answer> answer = new AtomicReference<>();
    private volatile long answerDelayMillis;
    private HttpServer server;
    private URI uri;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/jwks", exchange -> {
            requests.incrementAndGet();
            try (exchange) {
                if (answerDelayMillis > 0) {
                    try {
                        Thread.sleep(answerDelayMillis); // widens the race window of the concurrency test only
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                Answer a = answer.get();
                if (a.contentType != null) {
                    exchange.getResponseHeaders().set("Content-Type", a.contentType);
                }
                a.headers.forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
                exchange.sendResponseHeaders(a.status, a.chunked ? 0 : a.body.length == 0 ? -1 : a.body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(a.body);
                }
            }
        });
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
        uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/jwks");
    }

    @AfterEach
    void stop() {
        server.stop(0);
        ((ExecutorService) server.getExecutor()).shutdownNow();
    }

    private void serve(SigningKey... keys) {
        serve(jwks(keys), Map.of());
    }

    private void serve(String body, Map<String, String> headers) {
        answer.set(new Answer(200, "application/jwk-set+json; charset=utf-8", body, false, headers));
    }

    private static String jwks(SigningKey... keys) {
        List<VerificationKey> list = new ArrayList<>();
        for (SigningKey k : keys) {
            list.add(k.verificationKey());
        }
        return JwkSet.of(list).toJson();
    }

    private RemoteJwks.Builder builder() {
        return builder(Runnable::run);
    }

    private RemoteJwks.Builder builder(java.util.concurrent.Executor executor) {
        return RemoteJwks.builder(uri).allowHttp(true).ticker(clock).clock(clock).executor(executor);
    }

    private TokenVerifier verifier(RemoteJwks jwks) {
        return TokenVerifier.builder(jwks).issuer(ISSUER).audience(AUDIENCE).clock(clock).build();
    }

    private String token(SigningKey key) {
        return TokenIssuer.builder(key).issuer(ISSUER).audience(AUDIENCE).clock(clock).ttl(Duration.ofDays(3)).build()
                .issue("alice", Set.of("user"));
    }

    private static void accepted(AuthResult result) {
        assertTrue(result.ok(), result.toString());
        assertEquals("alice", result.principal().subject());
    }

    private static void unknownKey(AuthResult result) {
        assertFalse(result.ok(), result.toString());
        assertEquals(AuthResult.Failure.UNKNOWN_KEY, result.failure().orElseThrow(), result.toString());
    }

    private static HealthStatus health(RemoteJwks jwks) throws Exception {
        HealthResult result = jwks.healthCheck().check();
        return result.status();
    }

    @Test
    void verifiesTokensFromTheFetchedSet() {
        serve(ES_1, RS_1);
        RemoteJwks jwks = builder().build();
        TokenVerifier verifier = verifier(jwks);

        accepted(verifier.verify(token(ES_1)));
        accepted(verifier.verify(token(RS_1)));
        assertEquals(1, requests.get());
        assertEquals(1, jwks.fetches());
        assertEquals(Optional.of(clock.instant()), jwks.lastSuccess());
        assertTrue(jwks.lastError().isEmpty());
        assertEquals(2, jwks.keys(null).size());
    }

    @Test
    void aCacheHitMakesNoRequest() {
        serve(ES_1);
        RemoteJwks jwks = builder().build();
        TokenVerifier verifier = verifier(jwks);
        accepted(verifier.verify(token(ES_1)));
        clock.advance(Duration.ofMinutes(4));
        for (int i = 0; i < 50; i++) {
            accepted(verifier.verify(token(ES_1)));
        }
        assertEquals(1, requests.get());
    }

    @Test
    void afterRefreshAfterTheCachedKeysAreReturnedAndOneBackgroundFetchRuns() {
        serve(ES_1);
        List<Runnable> background = new ArrayList<>();
        RemoteJwks jwks = builder(background::add).refreshAfter(Duration.ofMinutes(5)).build();
        TokenVerifier verifier = verifier(jwks);
        accepted(verifier.verify(token(ES_1)));

        serve(ES_2); // the identity provider rotated, but this cache does not know yet
        clock.advance(Duration.ofMinutes(6));
        for (int i = 0; i < 10; i++) {
            accepted(verifier.verify(token(ES_1)));
        }
        assertEquals(1, background.size(), "one refresh in flight");
        assertEquals(1, requests.get(), "served from the cache while the refresh waits");

        background.get(0).run();
        assertEquals(2, requests.get());
        assertEquals(List.of("es-2"), kids(jwks.keys(null)));
        accepted(verifier.verify(token(ES_2)));
        assertEquals(2, requests.get());

        clock.advance(Duration.ofMinutes(4)); // fresh again: no further refresh
        jwks.keys("es-2");
        assertEquals(1, background.size());
    }

    @Test
    void cacheControlMaxAgeSetsTheRefreshPeriodWithinOneMinuteAndOneDay() {
        serve(jwks(ES_1), Map.of("Cache-Control", "public, max-age=3600"));
        RemoteJwks jwks = builder().refreshAfter(Duration.ofMinutes(5)).build();
        jwks.keys("es-1");
        clock.advance(Duration.ofMinutes(59));
        jwks.keys("es-1");
        assertEquals(1, requests.get(), "max-age 3600 overrides refreshAfter 5 min");
        clock.advance(Duration.ofMinutes(2));
        jwks.keys("es-1");
        assertEquals(2, requests.get());

        serve(jwks(ES_1), Map.of("Cache-Control", "max-age=5"));
        clock.advance(Duration.ofHours(2));
        jwks.keys("es-1");
        assertEquals(3, requests.get());
        clock.advance(Duration.ofSeconds(50));
        jwks.keys("es-1");
        assertEquals(3, requests.get(), "max-age 5 s is raised to 1 minute");
        clock.advance(Duration.ofSeconds(11));
        jwks.keys("es-1");
        assertEquals(4, requests.get());

        serve(jwks(ES_1), Map.of("Cache-Control", "max-age=604800"));
        clock.advance(Duration.ofMinutes(2));
        jwks.keys("es-1");
        assertEquals(5, requests.get());
        clock.advance(Duration.ofHours(24).plusSeconds(1));
        jwks.keys("es-1");
        assertEquals(6, requests.get(), "max-age of a week is cut to 24 hours");
    }

    @Test
    void aTokenWithANewKidAfterRotationTriggersOneRefetchAndVerifies() {
        serve(ES_1);
        RemoteJwks jwks = builder().build();
        TokenVerifier verifier = verifier(jwks);
        accepted(verifier.verify(token(ES_1)));

        serve(ES_1, ES_2);
        clock.advance(Duration.ofSeconds(31));
        accepted(verifier.verify(token(ES_2)));
        assertEquals(2, requests.get());
        accepted(verifier.verify(token(ES_2)));
        accepted(verifier.verify(token(ES_1)));
        assertEquals(2, requests.get());
    }

    @Test
    void tokensWithRandomUnknownKidsCauseAtMostOneFetchPerInterval() {
        serve(ES_1);
        RemoteJwks jwks = builder().minRefetchInterval(Duration.ofSeconds(30)).build();
        TokenVerifier verifier = verifier(jwks);
        accepted(verifier.verify(token(ES_1)));
        clock.advance(Duration.ofSeconds(31));

        for (int i = 0; i < 100; i++) {
            SigningKey attacker = SigningKey.generate(JwsAlgorithm.ES256, UUID.randomUUID().toString());
            unknownKey(verifier.verify(token(attacker)));
            clock.advance(Duration.ofMillis(100)); // 100 tokens in 10 s: within one interval
        }
        assertEquals(2, requests.get(), "one extra fetch for 100 unknown kids");
        accepted(verifier.verify(token(ES_1)));

        clock.advance(Duration.ofSeconds(30));
        unknownKey(verifier.verify(token(SigningKey.generate(JwsAlgorithm.ES256, "yet-another"))));
        assertEquals(3, requests.get(), "the next interval allows one more");
    }

    /** The ways an identity provider's answer can be wrong. */
    enum BadAnswer {
        SERVER_ERROR, NOT_JSON, OVERSIZED_STREAMED, OVERSIZED_DECLARED, WRONG_CONTENT_TYPE, NO_CONTENT_TYPE,
        NOT_A_JWK_SET, HMAC_SECRET, NO_USABLE_KEY, NOT_UTF8
    }

    private static final SigningKey HS = SigningKey.generate(JwsAlgorithm.HS256, "hs-1");

    private Answer bad(BadAnswer kind) {
        String big = "{\"pad\":\"" + "x".repeat(3000) + "\",\"keys\":[]}";
        switch (kind) {
            case SERVER_ERROR:
                return new Answer(500, "text/plain", "oops", false, Map.of());
            case NOT_JSON:
                return new Answer(200, "application/json", "<html>maintenance</html>", false, Map.of());
            case OVERSIZED_STREAMED:
                return new Answer(200, "application/json", big, true, Map.of());
            case OVERSIZED_DECLARED:
                return new Answer(200, "application/json", big, false, Map.of());
            case WRONG_CONTENT_TYPE:
                return new Answer(200, "text/html", jwks(ES_1), false, Map.of());
            case NO_CONTENT_TYPE:
                return new Answer(200, null, jwks(ES_1), false, Map.of());
            case NOT_A_JWK_SET:
                return new Answer(200, "application/json", "{\"issuer\":\"x\"}", false, Map.of());
            case HMAC_SECRET:
                return new Answer(200, "application/json", "{\"keys\":[" + HS.toJwk() + "]}", false, Map.of());
            case NO_USABLE_KEY:
                return new Answer(200, "application/json", "{\"keys\":[{\"kty\":\"RSA\",\"use\":\"enc\",\"n\":\"AQAB\","
                        + "\"e\":\"AQAB\"}]}", false, Map.of());
            case NOT_UTF8: {
                Answer a = new Answer(200, "application/json", jwks(ES_1), false, Map.of());
                a.body[a.body.length - 3] = (byte) 0xC3; // a truncated two-byte sequence
                return a;
            }
            default:
                throw new IllegalStateException(kind.toString());
        }
    }

    @ParameterizedTest
    @EnumSource(BadAnswer.class)
    void aBadAnswerKeepsThePreviousKeysUntilStaleIfErrorPasses(BadAnswer kind) throws Exception {
        serve(ES_1);
        RemoteJwks jwks = builder().refreshAfter(Duration.ofMinutes(5)).staleIfError(Duration.ofHours(1))
                .maxResponseBytes(1024).build();
        TokenVerifier verifier = verifier(jwks);
        accepted(verifier.verify(token(ES_1)));
        assertEquals(HealthStatus.UP, health(jwks));

        answer.set(bad(kind));
        clock.advance(Duration.ofMinutes(6));
        accepted(verifier.verify(token(ES_1))); // starts a refresh, which fails
        assertEquals(2, requests.get());
        String error = jwks.lastError().orElseThrow();
        assertFalse(error.contains(HS.toJwk().replaceAll(".*\"k\":\"([^\"]+)\".*", "$1")), error);
        assertFalse(error.contains("maintenance") || error.contains("xxxx"), "no body in " + error);
        assertEquals(HealthStatus.DEGRADED, health(jwks));
        assertEquals(Optional.of(Instant.parse("2026-06-01T12:00:00Z")), jwks.lastSuccess());

        accepted(verifier.verify(token(ES_1)));
        assertEquals(2, requests.get(), "no retry within minRefetchInterval");

        clock.advance(Duration.ofMinutes(55)); // 61 min: 4 min short of refresh period + staleIfError
        accepted(verifier.verify(token(ES_1)));
        assertEquals(3, requests.get(), "one retry per minRefetchInterval");

        clock.advance(Duration.ofMinutes(4));
        assertTrue(jwks.keys("es-1").isEmpty());
        unknownKey(verifier.verify(token(ES_1)));
        assertEquals(HealthStatus.DOWN, health(jwks));
        assertTrue(jwks.lastError().isPresent());

        serve(ES_1);
        clock.advance(Duration.ofSeconds(31));
        accepted(verifier.verify(token(ES_1)));
        assertEquals(HealthStatus.UP, health(jwks));
        assertTrue(jwks.lastError().isEmpty());
    }

    @Test
    void aFailedFirstFetchRefusesTokensAndRecoversWhenTheEndpointComesBack() throws Exception {
        answer.set(new Answer(503, "text/plain", "down", false, Map.of()));
        RemoteJwks jwks = builder().build();
        TokenVerifier verifier = verifier(jwks);
        unknownKey(verifier.verify(token(ES_1)));
        assertTrue(jwks.lastError().orElseThrow().contains("503"), jwks.lastError().toString());
        assertTrue(jwks.lastSuccess().isEmpty());
        assertEquals(HealthStatus.DOWN, health(jwks));
        unknownKey(verifier.verify(token(ES_1)));
        assertEquals(1, requests.get(), "no retry within minRefetchInterval");

        serve(ES_1);
        clock.advance(Duration.ofSeconds(30));
        accepted(verifier.verify(token(ES_1)));
        assertEquals(2, requests.get());
        assertEquals(HealthStatus.UP, health(jwks));
    }

    @Test
    void anUnreachableEndpointIsAFailedFetch() throws Exception {
        int closedPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        RemoteJwks jwks = RemoteJwks.builder(URI.create("http://127.0.0.1:" + closedPort + "/jwks")).allowHttp(true)
                .ticker(clock).clock(clock).requestTimeout(Duration.ofSeconds(2)).build();
        assertTrue(jwks.keys(null).isEmpty());
        assertTrue(jwks.lastError().isPresent());
        assertEquals(HealthStatus.DOWN, health(jwks));
    }

    @Test
    void theHealthCheckLoadsTheSetSoAServiceWithoutTrafficBecomesReady() throws Exception {
        serve(ES_1);
        RemoteJwks jwks = builder().build();
        assertEquals("jwks:127.0.0.1", jwks.healthCheck().name());
        assertTrue(jwks.healthCheck().groups().contains("readiness"));
        HealthResult result = jwks.healthCheck().check();
        assertEquals(HealthStatus.UP, result.status());
        assertEquals(1, result.details().get("keys"));
        assertEquals(1, requests.get());
    }

    @Test
    void redirectsAreFollowedOnlyToTheSameHost() {
        serve(ES_1);
        server.createContext("/moved", exchange -> {
            try (exchange) {
                exchange.getResponseHeaders().set("Location", "/jwks");
                exchange.sendResponseHeaders(301, -1);
            }
        });
        server.createContext("/elsewhere", exchange -> {
            try (exchange) {
                exchange.getResponseHeaders().set("Location", "http://localhost:" + server.getAddress().getPort() + "/jwks");
                exchange.sendResponseHeaders(302, -1);
            }
        });
        URI moved = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/moved");
        RemoteJwks same = RemoteJwks.builder(moved).allowHttp(true).ticker(clock).clock(clock).build();
        assertEquals(1, same.keys("es-1").size(), same.lastError().toString());

        URI elsewhere = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/elsewhere");
        RemoteJwks other = RemoteJwks.builder(elsewhere).allowHttp(true).ticker(clock).clock(clock).build();
        assertTrue(other.keys("es-1").isEmpty());
        assertTrue(other.lastError().orElseThrow().contains("another scheme, host or port"), other.lastError().toString());
    }

    @Test
    void concurrentLookupsOnAColdCacheShareOneFetch() throws Exception {
        serve(ES_1);
        answerDelayMillis = 200;
        RemoteJwks jwks = builder().build();
        int threads = 16;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<List<VerificationKey>>> results = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                results.add(pool.submit(() -> {
                    go.await();
                    return jwks.keys("es-1");
                }));
            }
            go.countDown();
            for (Future<List<VerificationKey>> f : results) {
                assertEquals(List.of("es-1"), kids(f.get(10, TimeUnit.SECONDS)));
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, requests.get());
        assertEquals(1, jwks.fetches());
    }

    @Test
    void plainHttpIsRefusedUnlessAllowed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RemoteJwks.builder(URI.create("http://idp.example.test/jwks")).build());
        assertTrue(e.getMessage().contains("not https"), e.getMessage());
        RemoteJwks.builder(URI.create("https://idp.example.test/jwks")).build();
        RemoteJwks.builder(URI.create("http://127.0.0.1/jwks")).allowHttp(true).build();
    }

    @Test
    void theBuilderRefusesBadSettings() {
        URI https = URI.create("https://idp.example.test/jwks");
        assertThrows(IllegalArgumentException.class, () -> RemoteJwks.builder(URI.create("ftp://idp/jwks")));
        assertThrows(IllegalArgumentException.class, () -> RemoteJwks.builder(URI.create("/jwks")));
        assertThrows(NullPointerException.class, () -> RemoteJwks.builder(null));
        assertThrows(IllegalArgumentException.class, () -> RemoteJwks.builder(https).refreshAfter(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> RemoteJwks.builder(https).requestTimeout(Duration.ofSeconds(-1)));
        assertThrows(IllegalArgumentException.class, () -> RemoteJwks.builder(https).minRefetchInterval(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> RemoteJwks.builder(https).staleIfError(Duration.ofSeconds(-1)));
        assertThrows(IllegalArgumentException.class, () -> RemoteJwks.builder(https).maxResponseBytes(100));
        RemoteJwks.builder(https).staleIfError(Duration.ZERO).build();
    }

    @Test
    void nothingIsFetchedUntilFirstUse() {
        serve(ES_1);
        RemoteJwks jwks = builder().build();
        assertEquals(0, requests.get());
        assertEquals(0, jwks.fetches());
        assertTrue(jwks.lastSuccess().isEmpty());
        assertTrue(jwks.lastError().isEmpty());
        assertTrue(jwks.toString().contains("no set"), jwks.toString());
    }

    private static List<String> kids(List<VerificationKey> keys) {
        List<String> kids = new ArrayList<>();
        for (VerificationKey k : keys) {
            kids.add(k.kid().orElse(null));
        }
        return kids;
    }
}
