package dev.infrakit.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.infrakit.audit.Actor;
import dev.infrakit.audit.AuditLog;
import dev.infrakit.audit.AuditSink;
import dev.infrakit.audit.CheckpointKeys;
import dev.infrakit.audit.CheckpointStore;
import dev.infrakit.audit.CondensingAuditSink;
import dev.infrakit.audit.Durability;
import dev.infrakit.audit.JsonLinesAuditSink;
import dev.infrakit.auth.ApiKeys;
import dev.infrakit.auth.CredentialStoreApiKeyStore;
import dev.infrakit.auth.Principal;
import dev.infrakit.auth.TokenIssuer;
import dev.infrakit.auth.TokenKeys;
import dev.infrakit.auth.TokenRevocations;
import dev.infrakit.auth.TokenVerifier;
import dev.infrakit.core.http.ClientAddress;
import dev.infrakit.credentials.AuditedCredentialStore;
import dev.infrakit.credentials.CachingCredentialStore;
import dev.infrakit.credentials.CredentialMetadata;
import dev.infrakit.credentials.CredentialStore;
import dev.infrakit.credentials.FileCredentialStore;
import dev.infrakit.credentials.KeyRing;
import dev.infrakit.credentials.MasterKey;
import dev.infrakit.credentials.Secret;
import dev.infrakit.credentials.SecretValue;
import dev.infrakit.ratelimit.Limit;
import dev.infrakit.ratelimit.RateLimitKey;
import dev.infrakit.ratelimit.RateLimitPolicy;
import dev.infrakit.ratelimit.RateLimiter;
import dev.infrakit.web.BodyLimit;
import dev.infrakit.web.SecurityHeaders;
import dev.infrakit.web.servlet.AuthServletFilter;
import dev.infrakit.web.servlet.BodyLimitServletFilter;
import dev.infrakit.web.servlet.ProblemResponses;
import dev.infrakit.web.servlet.RateLimitServletFilter;
import dev.infrakit.web.servlet.SecurityHeadersServletFilter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.ThreadParams;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.time.Duration;
import java.util.Base64;
import java.util.Collections;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The demo service's work for one authenticated {@code GET /api/v1/credentials/{app}}, in process and
 * without a socket: what is left of a request once the container has parsed it, so that its
 * throughput from one to two threads shows whether anything on the path serialises requests
 * (issue #25, item 2: "no shared lock per request").
 *
 * <p>Composed from the library's real pieces, wired as the demo wires them on embedded defaults
 * ({@code examples}' {@code DemoService}, {@code DemoStores}, {@code DemoWeb}, {@code CredentialRoutes}),
 * all shared by the benchmark threads as in a container:
 * <ol>
 *   <li>{@link SecurityHeadersServletFilter} (the demo's server puts it on every answer), then the
 *   demo's {@code /api/*} filters in its order: {@link BodyLimitServletFilter} (64 KiB), the first
 *   {@link RateLimitServletFilter} stage per client address, {@link AuthServletFilter} (bearer tokens
 *   and API keys, refused credentials audited and charged to the address), the second
 *   {@link RateLimitServletFilter} stage per principal. Every limit allows 10⁹ per second: out of the
 *   way, as in {@code scripts/wrk-credentials.sh}. The demo's outermost {@code HttpMetricsServletFilter}
 *   is left out: its Prometheus registry is not on the benchmarks' class path.</li>
 *   <li>The {@link TokenVerifier} of the demo: keys from {@link TokenKeys} and {@link TokenRevocations}
 *   over the file credential store, with the verified-token cache
 *   ({@code cache(100_000, Duration.ofMinutes(5))}), so after each thread's first request its ES256
 *   token's signature is not checked again (the key set, the time claims and the revocations are).</li>
 *   <li>A servlet doing what the demo's route does (route and role check, the client address, then
 *   {@code CredentialRoutes.getV1}): reads {@code apps/loadtest} through {@link AuditedCredentialStore}
 *   (actor: the user and its address) over {@link CachingCredentialStore} (metadata cached, as the
 *   demo's) over {@link FileCredentialStore} (encrypted at rest, in a temporary directory), its
 *   version time from the cache, and answers the credential as JSON written by Jackson, with the
 *   demo's {@code Deprecation} and {@code Link} headers.</li>
 *   <li>Every read recorded through {@link CondensingAuditSink} into a {@link JsonLinesAuditSink} in
 *   the temporary directory: chained, signed checkpoints every 10 s, {@link Durability#DURABLE} by
 *   default ({@link Service#audit}), so each request returns after the batch holding its event was
 *   synced (group commit with the other threads' events). {@code -p audit=ASYNC} measures the path
 *   without waiting for the disk.</li>
 * </ol>
 *
 * <p>Each benchmark thread is its own client ({@code 10.0.0.<thread + 1>}) and its own user
 * ({@code user-<thread>}, role {@code user}, with its own token), so no rate-limit bucket is shared
 * between threads; it sends one reused request ({@link BenchmarkServletRequest}) and reads the answer
 * from one reused response ({@link BenchmarkServletResponse}), both recycled per invocation, through a
 * {@link BenchmarkFilterChain}. Set-up sends every thread's request twice and fails unless each
 * answers 200 with the credential's JSON, the second verification was a cache hit, and every read
 * reached the audit file.
 *
 * <p>{@link #getCredential} is measured as throughput (ops/ms, all threads together: the scaling
 * from {@code -t 1} to {@code -t 2}), {@link #getCredentialTime} as the average time of one request
 * (µs/op); both run the same request. After each iteration the audit sink's figures for it are
 * printed (events, syncs, events per sync, mean sync time), outside the measured time: with DURABLE
 * audit they, more than the request path, decide the score. Run it from the shaded jar, as
 * benchmarks/README.md says:
 * <pre>
 * ./mvnw -q -B -ntp -o package -pl benchmarks -DskipTests
 * java -jar benchmarks/target/benchmarks.jar RequestPathBenchmark -f 2 -wi 5 -i 8 -w 1s -r 1s -t 1 -prof gc
 * java -jar benchmarks/target/benchmarks.jar RequestPathBenchmark -f 2 -wi 5 -i 8 -w 1s -r 1s -t 2 -prof gc
 * </pre>
 * {@link IdGenerationBenchmark} measures the event ids' random numbers alone.
 */
public class RequestPathBenchmark {
    static final String APP = "loadtest";
    static final String PATH = "/api/v1/credentials/" + APP;
    static final long ADMIT_RATE = 1_000_000_000L;
    static final String ISSUER = "infrakit-demo";
    static final ObjectMapper JSON = new ObjectMapper();

    /** The service: stores, audit, limiter, verifier, filters and servlet, shared by all threads. */
    @State(Scope.Benchmark)
    public static class Service {
        /** The audit sink's durability: DURABLE as the demo's default; ASYNC to leave the disk out. */
        @Param({"DURABLE"})
        public Durability audit;

        Path directory;
        JsonLinesAuditSink auditLog;
        AuditSink auditSink;
        CredentialStore raw;
        CachingCredentialStore cached;
        RateLimiter limiter;
        ScheduledExecutorService delays;
        TokenVerifier verifier;
        FilterChain chain;
        String[] tokens;
        SecretValue expected;

        @Setup
        public void setUp(BenchmarkParams params) throws IOException, ServletException {
            directory = Files.createTempDirectory("request-path-benchmark");
            MasterKey master = MasterKey.generate();
            ECPrivateKey checkpointKey = (ECPrivateKey) CheckpointKeys.generate().getPrivate();
            // DemoStores.open on embedded defaults.
            auditLog = JsonLinesAuditSink.builder(directory.resolve("audit"), master.derive("infrakit audit chain"))
                    .durability(audit).checkpoints(checkpointKey, Duration.ofSeconds(10))
                    .checkpointStore(CheckpointStore.file(directory.resolve("audit-checkpoints"))).build();
            raw = FileCredentialStore.directory(directory.resolve("credentials"), KeyRing.of(master)).build();
            // DemoService: the trail condensing floods of refusals; the cache; keys, revocations, verifier.
            auditSink = CondensingAuditSink.builder(auditLog).types("auth.invalid-token",
                    "auth.ambiguous-credentials", "api-key.rejected", "auth.denied").perAddress(5)
                    .window(Duration.ofMinutes(15)).build();
            cached = CachingCredentialStore.builder(raw).refreshAfter(Duration.ofMinutes(1))
                    .expireAfter(Duration.ofMinutes(5)).cacheMetadata(true).build();
            TokenKeys keys = TokenKeys.builder(raw).grace(Duration.ofMinutes(10)).refresh(Duration.ofSeconds(30))
                    .tokenLifetime(Duration.ofMinutes(15), Duration.ofSeconds(60)).auditSink(auditSink).build();
            TokenRevocations revocations = TokenRevocations.builder(raw).build();
            TokenIssuer issuer = TokenIssuer.builder(keys).issuer(ISSUER).audience(ISSUER)
                    .ttl(Duration.ofMinutes(15)).build();
            verifier = TokenVerifier.builder(keys).issuer(ISSUER).audience(ISSUER).revocations(revocations)
                    .cache(100_000, Duration.ofMinutes(5)).build();
            ApiKeys apiKeys = ApiKeys.builder(CredentialStoreApiKeyStore.create(raw)).auditSink(auditSink).build();
            limiter = RateLimiter.builder().tier(admitting("client")).tier(admitting("anonymous"))
                    .tier(admitting("user")).tier(admitting("admin")).defaultTier("anonymous").build();
            delays = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "request-path-slowdown");
                t.setDaemon(true);
                return t;
            });
            ClientAddress.Resolver clients = ClientAddress.resolver().trustedProxies(0).ipv6PrefixLength(64).build();
            AuditedCredentialStore credentials = AuditedCredentialStore.builder(cached, auditSink).build();

            // DemoWeb.server: the filters of /api/* in the demo's order, the security headers first.
            SecurityHeaders headers = SecurityHeaders.builder().without("Strict-Transport-Security").build();
            ProblemResponses problems = ProblemResponses.with(headers);
            chain = BenchmarkFilterChain.of(new CredentialServlet(credentials, cached, clients),
                    SecurityHeadersServletFilter.of(headers),
                    BodyLimitServletFilter.of(BodyLimit.of(64 * 1024), problems),
                    RateLimitServletFilter.builder(limiter).problems(problems)
                            .keyResolver(RateLimitServletFilter.KeyResolver.clientAddress("client", clients)).build(),
                    AuthServletFilter.builder().tokens(verifier).apiKeys(apiKeys).auditSink(auditSink)
                            .clientAddresses(clients).problems(problems).chargeFailures(limiter, "client", 10).build(),
                    RateLimitServletFilter.builder(limiter).problems(problems).delayScheduler(delays)
                            .keyResolver(request -> AuthServletFilter.principal(request)
                                    .map(p -> new RateLimitKey(p.hasRole("admin") ? "admin" : "user",
                                            apiKeys.rateLimitSubject(p)))
                                    .orElseGet(() -> new RateLimitKey("anonymous",
                                            CredentialServlet.client(clients, request).budgetKey())))
                            .build());

            // The credential, created before measuring (as the wrk script's loadtest run creates it).
            byte[] password = new byte[18];
            new SecureRandom().nextBytes(password);
            expected = SecretValue.login("svc-" + APP, Base64.getUrlEncoder().withoutPadding().encodeToString(password),
                    "postgres://db.internal:5432/" + APP);
            raw.put("apps/" + APP, expected);

            int threads = params.getThreads();
            tokens = new String[threads];
            for (int thread = 0; thread < threads; thread++) {
                String user = user(thread);
                tokens[thread] = issuer.issue(user, Set.of("user"), revocations.claims(user), Duration.ofMinutes(15));
            }
            check(threads);
        }

        private static RateLimitPolicy admitting(String tier) {
            return RateLimitPolicy.of(tier, Limit.of(ADMIT_RATE, Duration.ofSeconds(1)));
        }

        /**
         * Sends each thread's request twice (the first verifies its token, the second must find it in
         * the cache) and fails unless every answer is 200 with the credential's JSON and every read
         * was recorded in the audit file: no score may measure a refusal or an unaudited read.
         */
        private void check(int threads) throws IOException, ServletException {
            for (int round = 0; round < 2; round++) {
                for (int thread = 0; thread < threads; thread++) {
                    Exchange exchange = new Exchange();
                    exchange.build(this, thread);
                    exchange.request.recycle();
                    exchange.response.recycle();
                    CapturingResponse captured = new CapturingResponse(exchange.response);
                    chain.doFilter(exchange.request, captured);
                    expectCredential(exchange.response, captured.body.toByteArray());
                }
            }
            TokenVerifier.CacheStats stats = verifier.cacheStats().orElseThrow();
            if (stats.hits() < threads) {
                throw new IllegalStateException("The verified-token cache answered " + stats.hits() + " of " + threads
                        + " repeated tokens: the benchmark would measure signature checks");
            }
            auditLog.flush();
            long reads;
            try (Stream<String> lines = Files.lines(directory.resolve("audit").resolve("audit.log"))) {
                reads = lines.filter(line -> line.contains("\"credential.read\"")).count();
            }
            if (reads != 2L * threads) {
                throw new IllegalStateException("The audit log holds " + reads + " credential.read events after "
                        + 2 * threads + " requests");
            }
        }

        private void expectCredential(BenchmarkServletResponse response, byte[] body) throws IOException {
            if (response.getStatus() != 200) {
                throw new IllegalStateException("GET " + PATH + " answered " + response.getStatus() + ": "
                        + new String(body, StandardCharsets.UTF_8));
            }
            if (!"application/json".equals(response.getContentType()) || response.getHeader("RateLimit") == null
                    || response.getHeader("X-Content-Type-Options") == null) {
                throw new IllegalStateException("GET " + PATH + " answered without its JSON type, RateLimit or "
                        + "security headers");
            }
            JsonNode json = JSON.readTree(body);
            JsonNode fields = json.path("credentials");
            boolean same = APP.equals(json.path("app").asText()) && json.path("version").asInt() == 1
                    && fields.size() == expected.fieldNames().size();
            for (String name : expected.fieldNames()) {
                same &= expected.field(name).orElseThrow().equals(fields.path(name).asText(null));
            }
            if (!same) {
                throw new IllegalStateException("GET " + PATH + " answered 200 without the credential's JSON (fields "
                        + json.path("credentials").size() + ", app " + json.path("app") + ")");
            }
        }

        /** Where the audit figures stood when the iteration started. */
        private AuditLog.Stats before;

        @Setup(Level.Iteration)
        public void startIteration() {
            before = auditLog.stats();
        }

        /**
         * Prints the iteration's audit figures (outside the measured time): how many events each
         * sync carried, and what a sync cost, which is what a DURABLE request waits for.
         */
        @TearDown(Level.Iteration)
        public void endIteration() {
            AuditLog.Stats after = auditLog.stats();
            long events = after.written() - before.written();
            long syncs = after.syncs() - before.syncs();
            long nanos = after.syncNanos() - before.syncNanos();
            System.out.printf(Locale.ROOT, "  [audit %s: %d events, %d syncs, %.2f events per sync, %.1f us per sync]%n",
                    audit, events, syncs, syncs == 0 ? 0.0 : (double) events / syncs,
                    syncs == 0 ? 0.0 : nanos / 1000.0 / syncs);
        }

        @TearDown
        public void tearDown() throws IOException {
            delays.shutdownNow();
            limiter.close();
            cached.close();
            raw.close();
            auditSink.close(); // closes the JSON lines sink under it
            TempFiles.deleteTree(directory);
        }
    }

    static String user(int thread) {
        return "user-" + thread;
    }

    /** One benchmark thread's request (its own client address and token) and response, recycled per invocation. */
    @State(Scope.Thread)
    public static class Exchange {
        BenchmarkServletRequest request;
        BenchmarkServletResponse response;

        @Setup
        public void setUp(Service service, ThreadParams params) {
            build(service, params.getThreadIndex());
        }

        void build(Service service, int thread) {
            request = BenchmarkServletRequest.builder("GET", PATH)
                    .remoteAddr("10.0.0." + (thread + 1))
                    .header("Host", "api.example.com")
                    .header("User-Agent", "bench/1.0")
                    .header("Accept", "application/json")
                    .header("Authorization", "Bearer " + service.tokens[thread])
                    .build();
            response = new BenchmarkServletResponse();
        }

        int run(FilterChain chain) throws IOException, ServletException {
            request.recycle();
            response.recycle();
            chain.doFilter(request, response);
            return response.getStatus();
        }
    }

    /** Throughput of all threads together (ops/ms): the figure that shows scaling. */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public int getCredential(Service service, Exchange exchange) throws IOException, ServletException {
        return exchange.run(service.chain);
    }

    /** The same request, as the average time one takes (µs/op). */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public int getCredentialTime(Service service, Exchange exchange) throws IOException, ServletException {
        return exchange.run(service.chain);
    }

    /**
     * {@code GET /api/v1/credentials/{app}} as the demo answers it: its route table's match and role
     * check ({@code ApiServlet}), then {@code CredentialRoutes.getV1}. Anything else is answered with
     * an error status, which set-up refuses.
     */
    static final class CredentialServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;
        private static final String PREFIX = "/api/v1/credentials/";
        private static final Pattern APP_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
        private static final Set<String> SIGNED_IN = Set.of("user", "admin");
        /** CredentialRoutes.V1_DEPRECATED. */
        private static final String V1_DEPRECATED = "@1795305600";

        private final transient CredentialStore credentials;
        private final transient CredentialStore metadata;
        private final transient ClientAddress.Resolver clients;

        CredentialServlet(CredentialStore credentials, CredentialStore metadata, ClientAddress.Resolver clients) {
            this.credentials = credentials;
            this.metadata = metadata;
            this.clients = clients;
        }

        /** DemoWeb.client: who the client is, for audit records and rate limits. */
        static ClientAddress client(ClientAddress.Resolver clients, HttpServletRequest request) {
            InetAddress peer;
            try {
                peer = ClientAddress.parse(request.getRemoteAddr()).address();
            } catch (IllegalArgumentException e) { // not an IP literal
                peer = null;
            }
            return clients.resolve(peer, Collections.list(request.getHeaders("X-Forwarded-For")));
        }

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
            String path = request.getRequestURI();
            if (!"GET".equals(request.getMethod()) || !path.startsWith(PREFIX)) {
                response.sendError(404);
                return;
            }
            String app = path.substring(PREFIX.length());
            if (!APP_NAME.matcher(app).matches()) {
                response.sendError(400);
                return;
            }
            Principal principal = AuthServletFilter.principal(request).orElse(null);
            if (principal == null) {
                response.sendError(401);
                return;
            }
            if (SIGNED_IN.stream().noneMatch(principal::hasRole)) {
                response.sendError(403);
                return;
            }
            ClientAddress client = client(clients, request);
            String name = "apps/" + app;
            Secret secret;
            AuditedCredentialStore.Scope scope = AuditedCredentialStore.actingAs(Actor.user(principal.subject())
                    .fromClient(client.text(), request.getHeader("User-Agent")));
            try {
                secret = credentials.get(name);
            } finally {
                scope.close();
            }
            CredentialMetadata meta = metadata.metadata(name).orElse(null);
            if (meta == null) {
                response.sendError(404);
                return;
            }
            ObjectNode body = JSON.createObjectNode().put("app", app).put("version", secret.version())
                    .put("updatedAt", meta.updated().toString());
            ObjectNode fields = JSON.createObjectNode();
            secret.value().fieldValues().forEach(fields::put);
            body.set("credentials", fields);
            response.setHeader("Deprecation", V1_DEPRECATED);
            response.setHeader("Link", "</api/v2/credentials/" + app + ">; rel=\"successor-version\"");
            byte[] bytes = JSON.writeValueAsBytes(body);
            response.setStatus(200);
            response.setContentType("application/json");
            response.setHeader("Cache-Control", "no-store");
            response.setContentLength(bytes.length);
            response.getOutputStream().write(bytes);
        }
    }

    /** Set-up only: keeps a copy of the body written through it, to check the answer's JSON. */
    static final class CapturingResponse extends HttpServletResponseWrapper {
        final ByteArrayOutputStream body = new ByteArrayOutputStream();

        CapturingResponse(HttpServletResponse response) {
            super(response);
        }

        @Override
        public ServletOutputStream getOutputStream() throws IOException {
            ServletOutputStream out = super.getOutputStream();
            return new ServletOutputStream() {
                @Override
                public void write(int b) throws IOException {
                    body.write(b);
                    out.write(b);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    body.write(b, off, len);
                    out.write(b, off, len);
                }

                @Override
                public void flush() throws IOException {
                    out.flush();
                }

                @Override
                public boolean isReady() {
                    return out.isReady();
                }

                @Override
                public void setWriteListener(WriteListener listener) {
                    out.setWriteListener(listener);
                }
            };
        }
    }
}
