package dev.infrakit.benchmarks;

import dev.infrakit.auth.JwsAlgorithm;
import dev.infrakit.auth.SigningKey;
import dev.infrakit.auth.TokenIssuer;
import dev.infrakit.auth.TokenVerifier;
import dev.infrakit.ratelimit.Limit;
import dev.infrakit.ratelimit.RateLimitPolicy;
import dev.infrakit.ratelimit.RateLimiter;
import dev.infrakit.web.BodyLimit;
import dev.infrakit.web.servlet.AuthServletFilter;
import dev.infrakit.web.servlet.BodyLimitServletFilter;
import dev.infrakit.web.servlet.RateLimitServletFilter;
import dev.infrakit.web.servlet.SecurityHeadersServletFilter;
import io.github.bucket4j.Bucket;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.ThreadParams;

import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The per-request cost of each of infra-web's servlet filters, and of the chain a service puts in
 * front of its servlets, against the bare servlet; and {@code RateLimitServletFilter} against the
 * Bucket4j servlet filter of Bucket4j's documentation ({@link Bucket4jServletFilter}).
 *
 * <p>No container: requests go through {@link BenchmarkFilterChain} into {@link BenchmarkServlet}
 * with the {@link BenchmarkServletRequest} / {@link BenchmarkServletResponse} fakes, one pair per
 * benchmark thread, recycled at the start of every invocation (that recycling is in every score,
 * the bare servlet's included, so differences are the filters'). The request is a POST of a
 * 256-byte JSON body with its {@code Content-Length}, from a client address of its own per thread
 * ({@code 10.0.0.<thread + 1>}), so threads are different clients and both rate limiters keep one
 * bucket per thread. Filters and limiters are shared by the threads, as in a container.
 *
 * <p>Rate limits: "admit" allows 10⁹ per second (no run exhausts it); "reject" allows one request
 * per hour, spent by each client in set-up, so every measured request is refused (Infrakit answers
 * problem+json with the security headers and {@code RateLimit} headers, Bucket4j's example a text
 * line and one header). {@code AuthServletFilter} verifies an ES256 bearer token (the same
 * verification {@link TokenVerifyBenchmark} measures alone); its requests carry
 * {@code Authorization: Bearer}, the others' do not. Run with {@code -t 1} and {@code -t 4}; both modes, average time and
 * throughput, are measured (see benchmarks/README.md).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ServletFilterBenchmark {
    static final long ADMIT_RATE = 1_000_000_000L;
    static final String TIER = "bench";
    /** Issued once per JVM: the bearer token of the authenticated requests, and its verifier. */
    static final SigningKey KEY = SigningKey.generate(JwsAlgorithm.ES256, "bench");
    static final String TOKEN = TokenIssuer.builder(KEY).issuer("svc").audience("api").ttl(Duration.ofHours(2))
            .build().issue("alice", Set.of("user"));

    /** The filters and the chains over them, shared by all threads. */
    @State(Scope.Benchmark)
    public static class Chains {
        RateLimitServletFilter rateLimitAdmit;
        RateLimitServletFilter rateLimitReject;
        FilterChain bare;
        FilterChain securityHeaders;
        FilterChain bodyLimit;
        FilterChain rateLimitAdmitChain;
        FilterChain rateLimitRejectChain;
        FilterChain bucket4jAdmitChain;
        FilterChain bucket4jRejectChain;
        FilterChain bucket4jSameAnswersAdmitChain;
        FilterChain bucket4jSameAnswersRejectChain;
        FilterChain bucket4jSameKeysAdmitChain;
        FilterChain bucket4jSameKeysRejectChain;
        FilterChain auth;
        FilterChain wholeChainWithoutAuth;
        FilterChain wholeChain;

        @Setup
        public void setUp(BenchmarkParams params) throws IOException, ServletException {
            BenchmarkServlet servlet = new BenchmarkServlet();
            SecurityHeadersServletFilter headers = SecurityHeadersServletFilter.defaults();
            BodyLimitServletFilter limit = BodyLimitServletFilter.of(BodyLimit.of(64 * 1024));
            rateLimitAdmit = RateLimitServletFilter.builder(RateLimiter.of(RateLimitPolicy.of(TIER,
                    Limit.of(ADMIT_RATE, Duration.ofSeconds(1))))).build();
            rateLimitReject = RateLimitServletFilter.builder(RateLimiter.of(RateLimitPolicy.of(TIER,
                    Limit.of(1, Duration.ofHours(1))))).build();
            Bucket4jServletFilter bucket4jAdmit = new Bucket4jServletFilter(() -> Bucket.builder()
                    .addLimit(l -> l.capacity(ADMIT_RATE).refillGreedy(ADMIT_RATE, Duration.ofSeconds(1))).build());
            Bucket4jServletFilter bucket4jReject = new Bucket4jServletFilter(() -> Bucket.builder()
                    .addLimit(l -> l.capacity(1).refillGreedy(1, Duration.ofHours(1))).build());

            java.util.List<String> pairs = new java.util.ArrayList<>();
            dev.infrakit.web.SecurityHeaders.defaults().applyTo((name, value) -> {
                pairs.add(name);
                pairs.add(value);
            });
            String[] securityPairs = pairs.toArray(String[]::new);
            Bucket4jServletFilter bucket4jSameAdmit = Bucket4jServletFilter.sameAnswers(() -> Bucket.builder()
                    .addLimit(l -> l.capacity(ADMIT_RATE).refillGreedy(ADMIT_RATE, Duration.ofSeconds(1))).build(),
                    TIER, ADMIT_RATE, 1, securityPairs);
            Bucket4jServletFilter bucket4jSameReject = Bucket4jServletFilter.sameAnswers(() -> Bucket.builder()
                    .addLimit(l -> l.capacity(1).refillGreedy(1, Duration.ofHours(1))).build(),
                    TIER, 1, 3600, securityPairs);
            bucket4jSameAnswersAdmitChain = BenchmarkFilterChain.of(servlet, bucket4jSameAdmit);
            bucket4jSameAnswersRejectChain = BenchmarkFilterChain.of(servlet, bucket4jSameReject);
            bucket4jSameKeysAdmitChain = BenchmarkFilterChain.of(servlet, Bucket4jServletFilter.sameAnswersAndKeys(
                    () -> Bucket.builder().addLimit(l -> l.capacity(ADMIT_RATE)
                            .refillGreedy(ADMIT_RATE, Duration.ofSeconds(1))).build(),
                    TIER, ADMIT_RATE, 1, securityPairs));
            bucket4jSameKeysRejectChain = BenchmarkFilterChain.of(servlet, Bucket4jServletFilter.sameAnswersAndKeys(
                    () -> Bucket.builder().addLimit(l -> l.capacity(1).refillGreedy(1, Duration.ofHours(1))).build(),
                    TIER, 1, 3600, securityPairs));

            bare = BenchmarkFilterChain.of(servlet);
            securityHeaders = BenchmarkFilterChain.of(servlet, headers);
            bodyLimit = BenchmarkFilterChain.of(servlet, limit);
            rateLimitAdmitChain = BenchmarkFilterChain.of(servlet, rateLimitAdmit);
            rateLimitRejectChain = BenchmarkFilterChain.of(servlet, rateLimitReject);
            bucket4jAdmitChain = BenchmarkFilterChain.of(servlet, bucket4jAdmit);
            bucket4jRejectChain = BenchmarkFilterChain.of(servlet, bucket4jReject);
            AuthServletFilter authFilter = AuthServletFilter.builder()
                    .tokens(TokenVerifier.builder(KEY.verificationKey()).issuer("svc").audience("api").build())
                    .requireAuthenticated("/api/")
                    .build();
            auth = BenchmarkFilterChain.of(servlet, authFilter);
            wholeChainWithoutAuth = BenchmarkFilterChain.of(servlet, headers, limit, rateLimitAdmit);
            wholeChain = BenchmarkFilterChain.of(servlet, headers, limit, rateLimitAdmit, authFilter);

            // Each client spends its one request of the hour, then every chain is checked to
            // answer as its benchmark says, so no score measures a different path.
            for (int thread = 0; thread < params.getThreads(); thread++) {
                Exchange exchange = new Exchange(thread);
                exchange.expect(rateLimitRejectChain, 200);
                exchange.expect(bucket4jRejectChain, 200);
                exchange.expect(bucket4jSameAnswersRejectChain, 200);
                exchange.expect(bucket4jSameKeysRejectChain, 200);
                for (FilterChain admitted : Arrays.asList(bare, securityHeaders, bodyLimit, rateLimitAdmitChain,
                        bucket4jAdmitChain, bucket4jSameAnswersAdmitChain, bucket4jSameKeysAdmitChain,
                        wholeChainWithoutAuth)) {
                    exchange.expect(admitted, 200);
                }
                exchange.expect(auth, 401);
                exchange.expectAuthenticated(auth, 200);
                exchange.expectAuthenticated(wholeChain, 200);
                exchange.expect(rateLimitRejectChain, 429);
                exchange.expect(bucket4jRejectChain, 429);
                exchange.expect(bucket4jSameAnswersRejectChain, 429);
                exchange.expect(bucket4jSameKeysRejectChain, 429);
            }
        }

        @TearDown
        public void tearDown() {
            rateLimitAdmit.destroy();
            rateLimitReject.destroy();
        }
    }

    /** One benchmark thread's request and response, recycled per invocation. */
    @State(Scope.Thread)
    public static class Exchange {
        static final byte[] BODY = json(256);

        BenchmarkServletRequest request;
        /** The same request with {@code Authorization: Bearer} and a valid token. */
        BenchmarkServletRequest authenticated;
        BenchmarkServletResponse response;

        public Exchange() {
        }

        Exchange(int thread) {
            build(thread);
        }

        @Setup
        public void setUp(ThreadParams params) {
            build(params.getThreadIndex());
        }

        private void build(int thread) {
            request = post(thread).build();
            authenticated = post(thread).header("Authorization", "Bearer " + TOKEN).build();
            response = new BenchmarkServletResponse();
        }

        private static BenchmarkServletRequest.Builder post(int thread) {
            return BenchmarkServletRequest.builder("POST", "/api/v1/items")
                    .remoteAddr("10.0.0." + (thread + 1))
                    .header("Host", "api.example.com")
                    .header("User-Agent", "bench/1.0")
                    .header("Accept", "application/json")
                    .header("Content-Type", "application/json")
                    .body(BODY);
        }

        int run(FilterChain chain) throws IOException, ServletException {
            return run(chain, request);
        }

        int runAuthenticated(FilterChain chain) throws IOException, ServletException {
            return run(chain, authenticated);
        }

        private int run(FilterChain chain, BenchmarkServletRequest sent) throws IOException, ServletException {
            sent.recycle();
            response.recycle();
            chain.doFilter(sent, response);
            return response.getStatus();
        }

        void expect(FilterChain chain, int status) throws IOException, ServletException {
            check(run(chain), status, request);
        }

        void expectAuthenticated(FilterChain chain, int status) throws IOException, ServletException {
            check(runAuthenticated(chain), status, authenticated);
        }

        private static void check(int answered, int status, BenchmarkServletRequest sent) {
            if (answered != status) {
                throw new IllegalStateException("Expected " + status + ", got " + answered);
            }
            if (status == 200 && sent.bodyBytesRead() != BODY.length) {
                throw new IllegalStateException("The servlet read " + sent.bodyBytesRead() + " of " + BODY.length
                        + " body bytes");
            }
        }

        private static byte[] json(int length) {
            byte[] body = new byte[length];
            Arrays.fill(body, (byte) 'a');
            byte[] open = "{\"name\":\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            System.arraycopy(open, 0, body, 0, open.length);
            body[length - 2] = '"';
            body[length - 1] = '}';
            return body;
        }
    }

    @Benchmark
    public int bareServlet(Chains chains, Exchange exchange) throws IOException, ServletException {
        return exchange.run(chains.bare);
    }

    @Benchmark
    public int securityHeaders(Chains chains, Exchange exchange) throws IOException, ServletException {
        return exchange.run(chains.securityHeaders);
    }

    @Benchmark
    public int bodyLimit(Chains chains, Exchange exchange) throws IOException, ServletException {
        return exchange.run(chains.bodyLimit);
    }

    @Benchmark
    public int rateLimitAdmit(Chains chains, Exchange exchange) throws IOException, ServletException {
        return exchange.run(chains.rateLimitAdmitChain);
    }

    @Benchmark
    public int rateLimitReject(Chains chains, Exchange exchange) throws IOException, ServletException {
        return exchange.run(chains.rateLimitRejectChain);
    }

    @Benchmark
    public int bucket4jAdmit(Chains chains, Exchange exchange) throws IOException, ServletException {
        return exchange.run(chains.bucket4jAdmitChain);
    }

    @Benchmark
    public int bucket4jReject(Chains chains, Exchange exchange) throws IOException, ServletException {
        return exchange.run(chains.bucket4jRejectChain);
    }

    /** Bucket4j's filter answering as RateLimitServletFilter does (RateLimit headers), admitting. */
    @Benchmark
    public int bucket4jSameAnswersAdmit(Chains chains, Exchange exchange) throws IOException, ServletException {
        return exchange.run(chains.bucket4jSameAnswersAdmitChain);
    }

    /** Bucket4j's filter answering as RateLimitServletFilter does (security headers, problem+json), refusing. */
    @Benchmark
    public int bucket4jSameAnswersReject(Chains chains, Exchange exchange) throws IOException, ServletException {
        return exchange.run(chains.bucket4jSameAnswersRejectChain);
    }

    /** As {@link #bucket4jSameAnswersAdmit}, keyed on the client's budget key (IPv6 by /64) as ours is. */
    @Benchmark
    public int bucket4jSameKeysAdmit(Chains chains, Exchange exchange) throws IOException, ServletException {
        return exchange.run(chains.bucket4jSameKeysAdmitChain);
    }

    /** As {@link #bucket4jSameAnswersReject}, keyed on the client's budget key (IPv6 by /64) as ours is. */
    @Benchmark
    public int bucket4jSameKeysReject(Chains chains, Exchange exchange) throws IOException, ServletException {
        return exchange.run(chains.bucket4jSameKeysRejectChain);
    }

    /** A valid ES256 bearer token verified, the principal kept, then the servlet. */
    @Benchmark
    public int auth(Chains chains, Exchange exchange) throws IOException, ServletException {
        return exchange.runAuthenticated(chains.auth);
    }

    /** Security headers, then the body limit, then the rate limit (admitting), then the servlet. */
    @Benchmark
    public int wholeChainWithoutAuth(Chains chains, Exchange exchange) throws IOException, ServletException {
        return exchange.run(chains.wholeChainWithoutAuth);
    }

    /** Security headers, body limit, rate limit (admitting), authentication (bearer token), servlet. */
    @Benchmark
    public int wholeChain(Chains chains, Exchange exchange) throws IOException, ServletException {
        return exchange.runAuthenticated(chains.wholeChain);
    }
}
