package dev.infrakit.examples;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
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
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Metric cardinality under hostile input: requests with invented methods and random paths must not
 * create meters. Counted, not timed: the series in {@code /metrics} before and after.
 */
class MetricCardinalityIT {
    /**
     * Enough to show the series stay a fixed set (before the fix: one timer per invented method, 5,000
     * here); the 50,000 of the report are measured by hand, with the heap (benchmarks/README.md).
     * Raise it with -Dcardinality.requests=50000.
     */
    private static final int REQUESTS = Integer.getInteger("cardinality.requests", 5_000);
    private static final int THREADS = 8;
    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    @TempDir
    Path data;
    private DemoService service;

    @BeforeEach
    void start() throws Exception {
        service = DemoService.start(ServeCommand.settings(List.of("--port", "0", "--warm-up", "0s", "--data-dir", data.toString(),
                "--password-iterations", "1000", "--drain", "0ms"), Map.of("INFRAKIT_ADMIN_PASSWORD",
                "admin-password-cardinality")), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void stop() {
        if (service != null) {
            service.close();
        }
    }

    private static String word(SplittableRandom random, int min, int max) {
        StringBuilder b = new StringBuilder();
        int length = min + random.nextInt(max - min + 1);
        for (int i = 0; i < length; i++) {
            b.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return b.toString();
    }

    /** Every series line of the scrape (not comments), and the http timer's among them. */
    private List<String> series() throws Exception {
        HttpResponse<String> r = DemoHttp.call(service.port(), "GET", "/metrics", null, null);
        assertEquals(200, r.statusCode());
        List<String> lines = new ArrayList<>();
        for (String line : r.body().split("\n")) {
            if (!line.isEmpty() && !line.startsWith("#")) {
                lines.add(line);
            }
        }
        return lines;
    }

    @Test
    void fiftyThousandRequestsWithInventedMethodsAndPathsAddOnlyAFixedSetOfSeries() throws Exception {
        // One request of each known kind first, so the series they make exist before the count.
        DemoHttp.call(service.port(), "GET", "/api/v1/credentials", null, null);
        List<String> before = series();

        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        AtomicInteger sent = new AtomicInteger();
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            long seed = 42 + t;
            done.add(pool.submit(() -> {
                SplittableRandom random = new SplittableRandom(seed);
                while (sent.getAndIncrement() < REQUESTS) {
                    String method = word(random, 3, 12);
                    String path;
                    switch (random.nextInt(4)) {
                        case 0:
                            path = "/api/v1/credentials/" + word(random, 1, 30);
                            break;
                        case 1:
                            path = "/api/v1/apikeys/" + word(random, 1, 30);
                            break;
                        case 2:
                            path = "/api/v1/credentials/" + word(random, 1, 10) + "/" + word(random, 1, 10);
                            break;
                        default:
                            path = "/api/" + word(random, 1, 20) + "/" + word(random, 1, 20);
                    }
                    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port() + path))
                            .timeout(Duration.ofSeconds(20)).method(method, HttpRequest.BodyPublishers.noBody()).build();
                    HttpResponse<Void> response = client.send(request, HttpResponse.BodyHandlers.discarding());
                    assertTrue(response.statusCode() >= 400 && response.statusCode() < 500,
                            method + " " + path + " -> " + response.statusCode());
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();

        List<String> after = series();
        List<String> timer = after.stream().filter(l -> l.startsWith("http_server_requests_seconds_count")).toList();
        // 10 method values x 11 routes x a few statuses is the ceiling; these requests add a handful.
        assertTrue(timer.size() <= 40, timer.size() + " request timers: " + timer.subList(0, Math.min(20, timer.size())));
        assertTrue(after.size() - before.size() <= 100, "the scrape grew from " + before.size() + " to " + after.size()
                + " series after " + REQUESTS + " hostile requests");
        assertTrue(timer.stream().anyMatch(l -> l.contains("method=\"OTHER\"")), "invented methods are counted as OTHER");
        assertTrue(timer.stream().anyMatch(l -> l.contains("uri=\"/api/v1/credentials/{app}\"")));
        assertFalse(timer.stream().anyMatch(l -> l.matches(".*method=\"(?!GET|HEAD|POST|PUT|DELETE|PATCH|OPTIONS|TRACE|"
                + "CONNECT|OTHER\").*")), "only known methods and OTHER");
    }
}
