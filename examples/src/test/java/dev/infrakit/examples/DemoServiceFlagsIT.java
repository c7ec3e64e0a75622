package dev.infrakit.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The service's optional flags: --trust-proxy, slow-down, --alert-webhook, --token-ttl, --no-token-cache, --warm-up. */
class DemoServiceFlagsIT {
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static DemoService start(Path data, String... flags) throws Exception {
        List<String> args = new ArrayList<>(List.of("--port", "0", "--warm-up", "0s", "--data-dir", data.toString(), "--password-iterations",
                "1000", "--drain", "300ms"));
        args.addAll(List.of(flags));
        return DemoService.start(ServeCommand.settings(args, Map.of("INFRAKIT_ADMIN_PASSWORD", "admin-password-42")),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }

    private int status(DemoService service, String path, String forwardedFor) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port() + path));
        if (forwardedFor != null) {
            r.header("X-Forwarded-For", forwardedFor);
        }
        return client.send(r.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void forwardedForIsIgnoredUnlessTheProxyIsTrusted(@TempDir Path a, @TempDir Path b) throws Exception {
        DemoService plain = start(a, "--rate-anonymous", "2/15m");
        try {
            assertEquals(401, status(plain, "/api/v1/credentials", "10.0.0.1"));
            assertEquals(401, status(plain, "/api/v1/credentials", "10.0.0.2"));
            assertEquals(429, status(plain, "/api/v1/credentials", "10.0.0.3"), "one budget: the socket's address");
        } finally {
            plain.close();
        }
        DemoService proxied = start(b, "--rate-anonymous", "2/15m", "--trust-proxy");
        try {
            assertEquals(401, status(proxied, "/api/v1/credentials", "10.0.0.1"));
            assertEquals(401, status(proxied, "/api/v1/credentials", "192.168.1.1, 10.0.0.1"),
                    "the proxy appends the client's address: the rightmost entry; the left one is the client's claim");
            assertEquals(429, status(proxied, "/api/v1/credentials", "10.0.0.1"));
            assertEquals(401, status(proxied, "/api/v1/credentials", "10.0.0.2"), "another client has its own budget");
        } finally {
            proxied.close();
        }
    }

    @Test
    void slowDownDelaysRequestsAfterTheFirstOnes(@TempDir Path data) throws Exception {
        DemoService service = start(data, "--slowdown-after", "1", "--slowdown-step", "400ms", "--slowdown-max", "2s");
        try {
            long t0 = System.nanoTime();
            status(service, "/api/v1/credentials", null);
            long first = (System.nanoTime() - t0) / 1_000_000;
            t0 = System.nanoTime();
            assertEquals(401, status(service, "/api/v1/credentials", null));
            long second = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(first < 350, "the first request is not delayed: " + first + " ms");
            assertTrue(second >= 350, "the second is held back: " + second + " ms");
        } finally {
            service.close();
        }
    }

    /**
     * Two clients (told apart by X-Forwarded-For), both slowed down: client A's delayed login hashes
     * a password for a second or more (10,000,000 PBKDF2 iterations); client B's request, delayed 100 ms, is
     * answered while A's login is still running. Before the fix the delay scheduler's one thread
     * ran A's whole login, and B's request waited for it.
     */
    @Test
    void aDelayedRequestIsNotHeldUpByAnotherClientsDelayedSlowRequest(@TempDir Path data) throws Exception {
        DemoService service = DemoService.start(ServeCommand.settings(List.of("--port", "0", "--warm-up", "0s", "--data-dir",
                data.toString(), "--password-iterations", "10000000", "--drain", "0s", "--trust-proxy",
                "--slowdown-after", "1", "--slowdown-step", "100ms", "--slowdown-max", "1s"),
                Map.of("INFRAKIT_ADMIN_PASSWORD", "admin-password-42")),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        try {
            java.util.function.Supplier<HttpRequest> login = () -> HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + service.port() + "/api/v1/auth/login")).header("X-Forwarded-For", "10.0.0.1")
                    .header("Content-Type", "application/json").timeout(Duration.ofSeconds(120))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"admin\",\"password\":"
                            + "\"admin-password-42\"}")).build();
            assertEquals(200, client.send(login.get(), HttpResponse.BodyHandlers.discarding()).statusCode(),
                    "A's first login: not delayed");
            assertEquals(401, status(service, "/api/v1/credentials", "10.0.0.2"), "B's first request: not delayed");

            long aStart = System.nanoTime();
            java.util.concurrent.CompletableFuture<HttpResponse<Void>> slow = client.sendAsync(login.get(),
                    HttpResponse.BodyHandlers.discarding());
            Thread.sleep(300); // A's 100 ms delay is over: its login hashes
            long bStart = System.nanoTime();
            assertEquals(401, status(service, "/api/v1/credentials", "10.0.0.2"), "B's second request: delayed 100 ms");
            long bMs = (System.nanoTime() - bStart) / 1_000_000;
            boolean aStillRunning = !slow.isDone();
            assertEquals(200, slow.get(120, java.util.concurrent.TimeUnit.SECONDS).statusCode());
            long aMs = (System.nanoTime() - aStart) / 1_000_000;
            assertTrue(aStillRunning, "B (" + bMs + " ms) was answered while A's login (" + aMs + " ms) still ran");
        } finally {
            service.close();
        }
    }

    @Test
    void healthTransitionsArePostedToTheWebhook(@TempDir Path data) throws Exception {
        try (DemoHttp.WebhookReceiver hook = new DemoHttp.WebhookReceiver()) {
            List<String> posts = hook.posts;
            DemoService service = start(data, "--alert-webhook", hook.url(), "--drain", "1s");
            assertEquals(200, status(service, "/health", null));
            Thread closer = new Thread(service::close);
            closer.start();
            Thread.sleep(200);
            assertEquals(503, status(service, "/health", null));
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (posts.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            closer.join();
            assertTrue(!posts.isEmpty() && posts.get(0).contains("draining"), "the transition was posted: " + posts);
        }
    }

    @Test
    void tokenTtlSetsTheTokensLifetimeAndIsBounded(@TempDir Path data) throws Exception {
        DemoService service = start(data, "--token-ttl", "5m");
        try {
            HttpResponse<String> login = DemoHttp.call(service.port(), "POST", "/api/v1/auth/login", null,
                    "{\"username\":\"admin\",\"password\":\"admin-password-42\"}");
            assertEquals(200, login.statusCode(), login.body());
            com.fasterxml.jackson.databind.JsonNode body = DemoHttp.JSON.readTree(login.body());
            assertEquals(300, body.get("expiresIn").asLong());
            String[] parts = body.get("accessToken").asText().split("\\.");
            com.fasterxml.jackson.databind.JsonNode claims = DemoHttp.JSON.readTree(java.util.Base64.getUrlDecoder()
                    .decode(parts[1]));
            assertEquals(300, claims.get("exp").asLong() - claims.get("iat").asLong(), "the token says so too");
        } finally {
            service.close();
        }
        for (String bad : List.of("30s", "25h", "soon")) {
            Args.UsageException e = org.junit.jupiter.api.Assertions.assertThrows(Args.UsageException.class,
                    () -> ServeCommand.settings(List.of("--token-ttl", bad), Map.of()));
            assertTrue(e.getMessage().contains("--token-ttl"), e.getMessage());
        }
    }

    @Test
    void bearerTokensAreVerifiedOnceAndLogoutStillEndsThemUnlessTheCacheIsOff(@TempDir Path a, @TempDir Path b)
            throws Exception {
        for (boolean cached : new boolean[] {true, false}) {
            DemoService service = cached ? start(a) : start(b, "--no-token-cache");
            try {
                HttpResponse<String> login = DemoHttp.call(service.port(), "POST", "/api/v1/auth/login", null,
                        "{\"username\":\"admin\",\"password\":\"admin-password-42\"}");
                assertEquals(200, login.statusCode(), login.body());
                String token = DemoHttp.JSON.readTree(login.body()).get("accessToken").asText();
                for (int i = 0; i < 3; i++) {
                    assertEquals(200, DemoHttp.call(service.port(), "GET", "/api/v1/credentials", token, null)
                            .statusCode());
                }
                String metrics = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port()
                        + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
                if (cached) {
                    java.util.regex.Matcher hits = java.util.regex.Pattern.compile(
                            "(?m)^infrakit_auth_token_cache_hits_total(\\{[^}]*\\})? (\\S+)").matcher(metrics);
                    assertTrue(hits.find(), metrics);
                    assertTrue(Double.parseDouble(hits.group(2)) >= 2, "the token was verified once: " + hits.group());
                } else {
                    assertFalse(metrics.contains("infrakit_auth_token_cache"), "no cache, no cache meters");
                }
                // Signing out revokes the token: refused on its next use, cached or not.
                assertEquals(204, DemoHttp.call(service.port(), "POST", "/api/v1/auth/logout", token, null).statusCode());
                assertEquals(401, DemoHttp.call(service.port(), "GET", "/api/v1/credentials", token, null).statusCode());
            } finally {
                service.close();
            }
        }
    }

    /** The warm-up directories in java.io.tmpdir, those of killed processes first removed (they could go meanwhile). */
    private static java.util.Set<Path> warmUpDirectories() throws java.io.IOException {
        Path temp = Path.of(System.getProperty("java.io.tmpdir"));
        DemoWarmUp.removeAbandoned(temp);
        try (java.util.stream.Stream<Path> all = java.nio.file.Files.list(temp)) {
            return all.filter(p -> p.getFileName().toString().startsWith(DemoWarmUp.PREFIX))
                    .collect(java.util.stream.Collectors.toSet());
        }
    }

    @Test
    void aWarmUpKeepsReadinessDownWhileTheHotPathsRunElsewhereAndLeavesNothingBehind(@TempDir Path data)
            throws Exception {
        java.util.Set<Path> before = warmUpDirectories();
        long start = System.nanoTime();
        DemoService service = start(data, "--warm-up", "3s");
        try {
            HttpResponse<String> ready = DemoHttp.call(service.port(), "GET", "/health/ready", null, null);
            assertEquals(503, ready.statusCode(), "not ready while warming up: " + ready.body());
            assertTrue(ready.body().contains("warming up"), ready.body());
            assertEquals(200, status(service, "/health/live", null), "alive meanwhile");
            assertEquals(1, warmUpDirectories().size() - before.size(), "the throwaway instance's directory");
            // Served meanwhile (a client that does not wait for readiness is not refused).
            HttpResponse<String> login = DemoHttp.call(service.port(), "POST", "/api/v1/auth/login", null,
                    "{\"username\":\"admin\",\"password\":\"admin-password-42\"}");
            assertEquals(200, login.statusCode(), login.body());
            String token = DemoHttp.JSON.readTree(login.body()).get("accessToken").asText();
            while (ready.statusCode() != 200) {
                assertTrue(System.nanoTime() - start < java.util.concurrent.TimeUnit.SECONDS.toNanos(30),
                        "ready within 30 s: " + ready.body());
                Thread.sleep(50);
                ready = DemoHttp.call(service.port(), "GET", "/health/ready", null, null);
            }
            assertTrue(System.nanoTime() - start >= java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(2900),
                    "ready only once the 3 s warm-up ran");
            assertEquals(before, warmUpDirectories(), "the throwaway instance's directory is deleted");
            // Nothing of the warm-up reached this instance: no credential, no audit record, no request metric.
            assertEquals(404, DemoHttp.call(service.port(), "GET", "/api/v1/credentials/warm-up", token, null)
                    .statusCode());
            HttpResponse<String> audit = DemoHttp.call(service.port(), "GET", "/api/v1/audit?limit=1000", token, null);
            assertEquals(200, audit.statusCode(), audit.body());
            com.fasterxml.jackson.databind.JsonNode events = DemoHttp.JSON.readTree(audit.body()).get("events");
            assertEquals(2, events.size(), "only this test's sign-in and its read (the warm-up signed in and read "
                    + "thousands of times elsewhere): " + audit.body());
            assertEquals("credential.read", events.get(0).get("type").asText());
            assertEquals("login.succeeded", events.get(1).get("type").asText());
            String metrics = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port()
                    + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
            java.util.List<String> reads = metrics.lines().filter(l -> l.startsWith("http_server_requests_seconds_count")
                    && l.contains("uri=\"/api/v1/credentials/{app}\"")).toList();
            assertEquals(1, reads.size(), "only this test's read (404) is counted here: " + reads);
            assertTrue(reads.get(0).contains("status=\"404\"") && reads.get(0).matches(".* 1(\\.0)?"), reads.get(0));
        } finally {
            service.close();
        }
    }

    @Test
    void stoppingDuringTheWarmUpEndsItAndDeletesItsDirectory(@TempDir Path data) throws Exception {
        java.util.Set<Path> before = warmUpDirectories();
        DemoService service = start(data, "--warm-up", "60s");
        Thread.sleep(500);
        long start = System.nanoTime();
        service.close();
        assertTrue(System.nanoTime() - start < java.util.concurrent.TimeUnit.SECONDS.toNanos(15),
                "close does not wait for the rest of a 60 s warm-up");
        assertEquals(before, warmUpDirectories());
    }

    @Test
    void warmUpIsBounded() {
        for (String bad : new String[] {"-1s", "2m", "soon"}) {
            Args.UsageException e = org.junit.jupiter.api.Assertions.assertThrows(Args.UsageException.class,
                    () -> ServeCommand.settings(List.of("--warm-up", bad), Map.of()));
            assertTrue(e.getMessage().contains("--warm-up"), e.getMessage());
        }
        assertEquals(ServeCommand.DEFAULT_WARM_UP, ServeCommand.settings(List.of(), Map.of()).warmUp);
        assertEquals(Duration.ZERO, ServeCommand.settings(List.of("--warm-up", "0s"), Map.of()).warmUp);
    }
}
