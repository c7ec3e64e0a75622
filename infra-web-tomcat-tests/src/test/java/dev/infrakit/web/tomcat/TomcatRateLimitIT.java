package dev.infrakit.web.tomcat;

import dev.infrakit.ratelimit.RateLimitKey;
import dev.infrakit.ratelimit.RateLimitPolicy;
import dev.infrakit.ratelimit.RateLimiter;
import dev.infrakit.ratelimit.SlowDown;
import dev.infrakit.web.BodyLimit;
import dev.infrakit.web.SecurityHeaders;
import dev.infrakit.web.servlet.BodyLimitServletFilter;
import dev.infrakit.web.servlet.RateLimitServletFilter;
import dev.infrakit.web.servlet.SecurityHeadersServletFilter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link RateLimitServletFilter} in a real embedded Tomcat 11 of {@value #MAX_THREADS} request
 * threads, between the security-header and body-limit filters, over real sockets. The tier is the
 * path's first segment: {@code /strict} admits 2 per hour, {@code /five} 5 per hour, {@code /pause}
 * delays every request 200 ms, {@code /slow} delays every request {@link #DELAY}; {@code /free} is
 * exempt. The subject is the {@code X-Client} header, except under {@code /byaddress}, limited 2
 * per hour by the client's address.
 */
class TomcatRateLimitIT {
    private static final int MAX_THREADS = 4;
    private static final int DELAYED_REQUESTS = 10 * MAX_THREADS;
    private static final Duration DELAY = Duration.ofSeconds(2);
    /** Counts the {@code /slow} requests the filter has decided on (each then waits its delay). */
    private static final CountDownLatch SLOW_DECIDED = new CountDownLatch(DELAYED_REQUESTS);
    private static final AtomicInteger SERVLET_CALLS = new AtomicInteger();
    private static EmbeddedTomcat tomcat;
    private static HttpClient client;

    @BeforeAll
    static void start() throws Exception {
        RateLimiter limiter = RateLimiter.builder()
                .tier(RateLimitPolicy.parse("strict", "2/1h"))
                .tier(RateLimitPolicy.parse("five", "5/1h"))
                .tier(RateLimitPolicy.parse("address", "2/1h"))
                .tier(RateLimitPolicy.parse("pause", "1000/1h")
                        .withSlowDown(SlowDown.after(0, Duration.ofMillis(200), Duration.ofMillis(200))))
                .tier(RateLimitPolicy.parse("slow", "1000/1h").withSlowDown(SlowDown.after(0, DELAY, DELAY)))
                .build();
        RateLimitServletFilter.KeyResolver byPath = request -> {
            String tier = request.getRequestURI().split("/")[1];
            if (tier.equals("slow")) {
                SLOW_DECIDED.countDown();
            }
            return new RateLimitKey(tier, request.getHeader("X-Client"));
        };
        tomcat = EmbeddedTomcat.start(MAX_THREADS, (classes, context) -> {
            filter(context, "securityHeaders", SecurityHeadersServletFilter.defaults(),
                    SecurityHeadersServletFilter.DISPATCHER_TYPES, "/*");
            filter(context, "rateLimit", RateLimitServletFilter.builder(limiter).keyResolver(byPath)
                    .exemptPaths("/free", "/byaddress").build(), RateLimitServletFilter.DISPATCHER_TYPES, "/*");
            filter(context, "rateLimitByAddress", RateLimitServletFilter.builder(limiter)
                    .keyResolver(RateLimitServletFilter.KeyResolver.clientAddress("address")).build(),
                    RateLimitServletFilter.DISPATCHER_TYPES, "/byaddress/*");
            filter(context, "bodyLimit", BodyLimitServletFilter.of(BodyLimit.of(1024)),
                    BodyLimitServletFilter.DISPATCHER_TYPES, "/*");
            ServletRegistration.Dynamic hello = context.addServlet("hello", new HttpServlet() {
                @Override
                protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                    SERVLET_CALLS.incrementAndGet();
                    text(resp, "hello " + req.getDispatcherType());
                }

                @Override
                protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                    text(resp, "read " + req.getInputStream().readAllBytes().length);
                }
            });
            hello.setAsyncSupported(true);
            hello.addMapping("/*");
        });
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    private static void filter(ServletContext context, String name, Filter filter, Set<DispatcherType> dispatches,
            String path) {
        FilterRegistration.Dynamic registration = context.addFilter(name, filter);
        registration.setAsyncSupported(true);
        registration.addMappingForUrlPatterns(EnumSet.copyOf(dispatches), true, path);
    }

    private static void text(HttpServletResponse resp, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        resp.setContentType("text/plain;charset=utf-8");
        resp.setContentLength(bytes.length);
        resp.getOutputStream().write(bytes);
    }

    @AfterAll
    static void stop() throws Exception {
        tomcat.stop();
    }

    private static HttpRequest.Builder request(String path, String clientName) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + tomcat.port() + path))
                .header("X-Client", clientName).timeout(Duration.ofSeconds(20));
    }

    private static HttpResponse<String> get(String path, String clientName) throws Exception {
        return client.send(request(path, clientName).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertSecurityHeaders(HttpResponse<String> response) {
        SecurityHeaders.defaults().headers().forEach((name, value) ->
                assertEquals(List.of(value), response.headers().allValues(name), name));
    }

    @Test
    void anAdmittedRequestCarriesTheRateLimitAndSecurityHeaders() throws Exception {
        HttpResponse<String> response = get("/strict/a", "headers");
        assertEquals(200, response.statusCode());
        assertEquals("hello REQUEST", response.body());
        assertEquals(List.of("\"strict\";q=2;w=3600"), response.headers().allValues("RateLimit-Policy"));
        assertTrue(response.headers().firstValue("RateLimit").orElseThrow().startsWith("\"strict\";r=1;t="),
                response.headers().map().toString());
        assertSecurityHeaders(response);
    }

    @Test
    void aRejectedRequestIs429ProblemWithRetryAfterAndNeverReachesTheServlet() throws Exception {
        get("/strict/a", "rejected");
        get("/strict/a", "rejected");
        int callsBefore = SERVLET_CALLS.get();
        HttpResponse<String> response = get("/strict/a", "rejected");
        assertEquals(429, response.statusCode(), response.body());
        assertEquals("application/problem+json", response.headers().firstValue("Content-Type").orElseThrow());
        assertEquals("no-store", response.headers().firstValue("Cache-Control").orElseThrow());
        long retryAfter = Long.parseLong(response.headers().firstValue("Retry-After").orElseThrow());
        assertTrue(retryAfter > 0 && retryAfter <= 3600, "Retry-After " + retryAfter);
        assertTrue(response.headers().firstValue("RateLimit").orElseThrow().contains("r=0"));
        assertTrue(response.body().contains("\"status\":429") && response.body().contains("\"retryAfter\""),
                response.body());
        assertFalse(response.body().contains("hello"), response.body());
        assertEquals(callsBefore, SERVLET_CALLS.get());
        assertSecurityHeaders(response);
    }

    @Test
    void aBurstOfConcurrentRequestsGetsExactlyTheBudget() throws Exception {
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            answers.add(client.sendAsync(request("/five/x", "burst").build(), HttpResponse.BodyHandlers.ofString()));
        }
        int admitted = 0;
        int refused = 0;
        for (CompletableFuture<HttpResponse<String>> answer : answers) {
            int status = answer.get(20, TimeUnit.SECONDS).statusCode();
            admitted += status == 200 ? 1 : 0;
            refused += status == 429 ? 1 : 0;
        }
        assertEquals(5, admitted);
        assertEquals(25, refused);
    }

    @Test
    void aSpoofedForwardedForDoesNotBuyAFreshBudget() throws Exception {
        // No trusted proxy: X-Forwarded-For is the client's own claim and is ignored.
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> admitted = client.send(request("/byaddress/x", "spoofer")
                    .header("X-Forwarded-For", "203.0.113." + i).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, admitted.statusCode());
        }
        HttpResponse<String> third = client.send(request("/byaddress/x", "spoofer")
                .header("X-Forwarded-For", "198.51.100.7, 203.0.113.99").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(429, third.statusCode(), third.body());
    }

    @Test
    void anExemptPathIsNotLimited() throws Exception {
        HttpResponse<String> response = get("/free/x", "exempt");
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("RateLimit").isEmpty());
    }

    @Test
    void aSlowedRequestIsAnsweredAfterItsDelayThroughAnAsyncDispatch() throws Exception {
        long start = System.nanoTime();
        HttpResponse<String> response = get("/pause/x", "slowed");
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertEquals(200, response.statusCode());
        assertEquals("hello ASYNC", response.body());
        assertTrue(took.toMillis() >= 200, "answered after " + took);
        assertTrue(response.headers().firstValue("RateLimit").isPresent());
        assertSecurityHeaders(response);
    }

    @Test
    void tenTimesMoreDelayedRequestsThanThreadsWaitAtOnceAndEachTakesAboutItsDelay() throws Exception {
        long start = System.nanoTime();
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        List<CompletableFuture<Long>> tookMillis = new ArrayList<>();
        for (int i = 0; i < DELAYED_REQUESTS; i++) {
            long sent = System.nanoTime();
            CompletableFuture<HttpResponse<String>> answer =
                    client.sendAsync(request("/slow/x", "waiting-" + i).build(), HttpResponse.BodyHandlers.ofString());
            answers.add(answer);
            tookMillis.add(answer.thenApply(r -> (System.nanoTime() - sent) / 1_000_000));
        }
        // All 40 are decided and waiting within one delay. Were a thread held per waiting request,
        // only MAX_THREADS could be until the first delays ended.
        assertTrue(SLOW_DECIDED.await(DELAY.toMillis(), TimeUnit.MILLISECONDS),
                "decided within one delay: " + (DELAYED_REQUESTS - SLOW_DECIDED.getCount()) + " of " + DELAYED_REQUESTS);
        // And while they wait, the server still has threads for other requests.
        HttpResponse<String> meanwhile = get("/free/x", "meanwhile");
        assertEquals(200, meanwhile.statusCode());
        Duration meanwhileAfter = Duration.ofNanos(System.nanoTime() - start);
        assertTrue(meanwhileAfter.compareTo(DELAY) < 0, "answered after " + meanwhileAfter + ", not while all waited");
        assertEquals(0, answers.stream().filter(CompletableFuture::isDone).count());
        for (int i = 0; i < DELAYED_REQUESTS; i++) {
            HttpResponse<String> response = answers.get(i).get(20, TimeUnit.SECONDS);
            assertEquals(200, response.statusCode());
            assertEquals("hello ASYNC", response.body());
            long took = tookMillis.get(i).get();
            assertTrue(took >= DELAY.toMillis() && took < DELAY.toMillis() + 2_500, "request " + i + " took " + took);
        }
    }

    @Test
    void aRequestResumedAfterItsDelayIsStillUnderTheBodyLimit() throws Exception {
        // Streamed (chunked): the resumed request's body is counted as the servlet reads it.
        HttpResponse<String> tooLarge = client.send(request("/pause/upload", "uploader")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(new byte[5000]))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(413, tooLarge.statusCode(), tooLarge.body());
        assertTrue(tooLarge.body().contains("larger than 1024 bytes"), tooLarge.body());
        HttpResponse<String> within = client.send(request("/pause/upload", "uploader")
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[1024])).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, within.statusCode(), within.body());
        assertEquals("read 1024", within.body());
    }
}
