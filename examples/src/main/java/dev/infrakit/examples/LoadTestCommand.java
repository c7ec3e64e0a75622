package dev.infrakit.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;

/**
 * {@code loadtest}: an open-model load test of the demo service's credential reads. It signs in up front (and
 * with {@code --users N} first creates N users as the given admin account), makes sure the credential it reads
 * exists, then sends {@code GET /api/v1/credentials/{app}} at a fixed rate for a fixed time, the accounts' tokens
 * in turn (see {@link LoadRun} for the scheme). Passwords and tokens are never printed.
 */
final class LoadTestCommand {
    static final String USAGE = String.join("\n",
            "  loadtest --url URL --rate R --duration D [--users N] [--username admin] [--password P] [--app loadtest]",
            "        [--warm-up 0s] [--p95 500ms] [--max-error-rate 2%] [--timeout 10s] [--max-in-flight 1000]",
            "        [--connections 64] [--client-warm-up 2s] [--await-ready 0s] [--json]",
            "        (open model: R requests per second for D, whatever the answers, latency from when each was",
            "         due; --password defaults to INFRAKIT_ADMIN_PASSWORD; exit 1 when a threshold fails)");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int SETUP_PARALLELISM = 8;

    private LoadTestCommand() {
    }

    /** The validated flags. Holds a password: never printed, no {@code toString}. */
    static final class Settings {
        URI url;
        BigDecimal rate;
        Duration duration;
        String durationText;
        OpenLoadSchedule schedule;
        /** Null for no warm-up. */
        OpenLoadSchedule warmUp;
        Duration warmUpDuration;
        String warmUpText;
        int users;
        String username;
        String password;
        String app;
        Duration p95;
        String p95Text;
        BigDecimal maxErrorPercent;
        Duration timeout;
        int maxInFlight;
        int connections;
        /** How long the client first warms itself against a loopback responder (zero: not at all). */
        Duration clientWarmUp;
        /** How long to wait for the service's /health/ready to answer 200 before the setup (zero: not at all). */
        Duration awaitReady;
        boolean json;
    }

    /** {@code loadtest}. */
    static Cli.Command command() {
        return new Cli.Command("loadtest", USAGE, (a, env, in, out, err) -> run(a, env, out, err))
                .value("url", "URL", "The service's base URL, such as http://localhost:8080.")
                .value("rate", "R", "Requests per second.")
                .value("duration", "D", "How long to send, such as 30s.")
                .value("warm-up", "D", "First send at the same rate for D, not counted (default 0s: none).")
                .value("users", "N", "Create N users first and read as each in turn.")
                .value("username", "NAME", "The account to sign in as (default admin).")
                .value("password", "P", "Its password (default INFRAKIT_ADMIN_PASSWORD).")
                .value("app", "NAME", "The credential read (default loadtest).")
                .value("p95", "DURATION", "Fail when the 95th percentile latency is over this (default 500ms).")
                .value("max-error-rate", "PERCENT", "Fail when more answers than this are errors (default 2%).")
                .value("timeout", "DURATION", "Per-request timeout (default 10s).")
                .value("max-in-flight", "N", "Requests outstanding at once, at most (default 1000).")
                .value("connections", "N", "Keep-alive connections to the service, at most (default 64); "
                        + "requests due while all are busy wait for one, their wait counted.")
                .value("client-warm-up", "D", "First warm this client up at the same rate for D against a loopback "
                        + "responder of its own, no request reaching the service (default 2s; 0s: none).")
                .value("await-ready", "D", "Wait up to D for the service's /health/ready to answer 200 before "
                        + "signing in (default 0s: do not wait).")
                .flag("json", "The result as JSON.")
                .arguments("ARG", "None.", true);
    }

    static Settings settings(Args a, Map<String, String> env) {
        if (!a.positional().isEmpty()) {
            throw new Args.UsageException("loadtest takes no arguments, got " + a.positional().size());
        }
        Settings s = new Settings();
        s.url = url(a.require("url"));
        s.rate = decimal(a, "rate", a.require("rate"));
        if (s.rate.signum() <= 0) {
            throw new Args.UsageException("--rate is a number of requests per second above 0, got '"
                    + a.require("rate") + "'");
        }
        s.durationText = a.require("duration");
        s.duration = duration("duration", s.durationText);
        if (s.duration.isZero()) {
            throw new Args.UsageException("--duration must be above 0");
        }
        s.schedule = OpenLoadSchedule.of(s.rate, s.duration);
        if (s.schedule.count() == 0) {
            throw new Args.UsageException("--rate × --duration is less than one request");
        }
        if (s.schedule.count() > Integer.MAX_VALUE) {
            throw new Args.UsageException("--rate × --duration is over " + Integer.MAX_VALUE + " requests");
        }
        if (a.get("warm-up").isPresent()) {
            s.warmUpText = a.require("warm-up");
            s.warmUpDuration = duration("warm-up", s.warmUpText);
            if (!s.warmUpDuration.isZero()) {
                s.warmUp = OpenLoadSchedule.of(s.rate, s.warmUpDuration);
                if (s.warmUp.count() == 0 || s.warmUp.count() > Integer.MAX_VALUE) {
                    throw new Args.UsageException("--rate × --warm-up is less than one request or over "
                            + Integer.MAX_VALUE + ", got '" + s.warmUpText + "'");
                }
            }
        }
        if (a.get("users").isPresent()) {
            s.users = a.intValue("users", 0);
            if (s.users < 1) {
                throw new Args.UsageException("--users is at least 1, got " + s.users);
            }
        }
        s.username = a.get("username").orElse("admin");
        s.password = a.get("password").orElse(env.get("INFRAKIT_ADMIN_PASSWORD"));
        if (s.password == null || s.password.isEmpty()) {
            throw new Args.UsageException("--password (or INFRAKIT_ADMIN_PASSWORD) is required");
        }
        s.app = a.get("app").orElse("loadtest");
        if (!s.app.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,99}")) {
            throw new Args.UsageException("--app is 1 to 100 of A-Z, a-z, 0-9, . _ -, got '" + s.app + "'");
        }
        s.p95Text = a.get("p95").orElse("500ms");
        s.p95 = duration("p95", s.p95Text);
        String errorRate = a.get("max-error-rate").orElse("2%");
        s.maxErrorPercent = decimal(a, "max-error-rate", errorRate.endsWith("%")
                ? errorRate.substring(0, errorRate.length() - 1) : errorRate);
        if (s.maxErrorPercent.signum() < 0 || s.maxErrorPercent.compareTo(BigDecimal.valueOf(100)) > 0) {
            throw new Args.UsageException("--max-error-rate is a percentage from 0% to 100%, got '" + errorRate + "'");
        }
        s.timeout = duration("timeout", a.get("timeout").orElse("10s"));
        if (s.timeout.toMillis() < 1) {
            throw new Args.UsageException("--timeout is at least 1ms");
        }
        s.maxInFlight = a.intValue("max-in-flight", 1000);
        if (s.maxInFlight < 1) {
            throw new Args.UsageException("--max-in-flight is at least 1, got " + s.maxInFlight);
        }
        s.clientWarmUp = duration("client-warm-up", a.get("client-warm-up").orElse("2s"));
        s.awaitReady = duration("await-ready", a.get("await-ready").orElse("0s"));
        s.connections = a.intValue("connections", 64);
        if (s.connections < 1) {
            throw new Args.UsageException("--connections is at least 1, got " + s.connections);
        }
        s.json = a.flag("json");
        return s;
    }

    private static URI url(String text) {
        URI uri;
        try {
            uri = URI.create(text);
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException("--url is an http(s) URL such as http://localhost:8080, got '" + text + "'");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            throw new Args.UsageException("--url is an http(s) URL such as http://localhost:8080, got '" + text + "'");
        }
        if (uri.getRawUserInfo() != null) {
            throw new Args.UsageException("--url takes no user:password@; use --username and --password");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new Args.UsageException("--url is the service's base URL, without a query or fragment");
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        return URI.create(scheme + "://" + uri.getRawAuthority() + path);
    }

    private static BigDecimal decimal(Args a, String flag, String text) {
        try {
            return new BigDecimal(text.strip());
        } catch (NumberFormatException e) {
            throw new Args.UsageException("--" + flag + " needs a number, got '" + a.get(flag).orElse(text) + "'");
        }
    }

    private static Duration duration(String flag, String text) {
        try {
            return dev.infrakit.core.Config.of(Map.of(flag, text)).getDuration(flag);
        } catch (RuntimeException e) {
            throw new Args.UsageException("--" + flag + " is a duration such as 30s, 500ms or 2m, got '" + text + "'");
        }
    }

    static int run(Args a, Map<String, String> env, PrintStream out, PrintStream err) throws Exception {
        Settings s = settings(a, env);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(s.timeout)
                .build();
        Api api = new Api(client, s.url, s.timeout);
        if (!s.clientWarmUp.isZero()) {
            warmClient(s, err);
        }
        if (!s.awaitReady.isZero()) {
            api.awaitReady(s.awaitReady, err);
        }

        // Setup: sign in, create the users, make sure the credential exists. Not part of the measured run.
        Histogram logins = new Histogram(3);
        long setupStart = System.nanoTime();
        err.println("loadtest: signing in as " + s.username + " at " + s.url + " …");
        TokenRenewal.Session setup = api.login(s.username, s.password, logins);
        String setupToken = setup.token();
        List<TokenRenewal.Session> sessions = new ArrayList<>();
        TokenRenewal.Login relogin;
        if (s.users == 0) {
            sessions.add(setup);
            relogin = account -> api.login(s.username, s.password, null);
        } else {
            String prefix = "lt" + randomName(6) + "-";
            err.println("loadtest: creating " + s.users + " users " + prefix + "1 … " + prefix + s.users + " …");
            List<String> passwords = parallel(s.users, i -> {
                String password = randomPassword();
                api.createUser(setupToken, prefix + (i + 1), password);
                return password;
            });
            sessions.addAll(parallel(s.users, i -> api.login(prefix + (i + 1), passwords.get(i), logins)));
            relogin = account -> api.login(prefix + (account + 1), passwords.get(account), null);
        }
        long loginNanos = System.nanoTime() - setupStart;
        api.ensureCredential(setupToken, s.app);

        String path = "/api/v1/credentials/" + URLEncoder.encode(s.app, StandardCharsets.UTF_8);
        URI target = URI.create(s.url + path);
        // Runs longer than a token lives: each account signs in again at 80 % of its token's lifetime.
        ScheduledExecutorService renewer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "loadtest-token-renewal");
            t.setDaemon(true);
            return t;
        });
        TokenRenewal tokens = new TokenRenewal(sessions, relogin, renewer, err);
        err.println("loadtest: GET " + s.url + path + " at " + s.rate.toPlainString() + "/s for " + s.durationText
                + ": " + s.schedule.count() + " requests …");
        LoadResult result;
        LoadResult warmUp = null;
        try (LoadSender sender = LoadSender.start(target, s.connections, s.maxInFlight, s.timeout,
                i -> tokens.token((int) (i % tokens.accounts())))) {
            if (s.warmUp != null) {
                // The same requests at the same rate, so the first measured second finds the client, the
                // connections and the server as they are in the steady state: reported apart, not judged.
                err.println("loadtest: warming up at " + s.rate.toPlainString() + "/s for " + s.warmUpText
                        + " (not counted) …");
                warmUp = LoadRun.run(s.warmUp, sender, s.maxInFlight, s.timeout.plusSeconds(5), err);
            }
            result = LoadRun.run(s.schedule, sender, s.maxInFlight, s.timeout.plusSeconds(5), err);
        } finally {
            tokens.close();
            renewer.shutdownNow();
        }

        List<LoadResult.Verdict> verdicts = result.check(s.p95, s.p95Text, s.maxErrorPercent);
        boolean passed = verdicts.stream().allMatch(LoadResult.Verdict::passed);
        if (s.json) {
            out.println(json(s, path, tokens, logins, loginNanos, warmUp, result, verdicts, passed));
        } else {
            human(out, s, path, tokens, logins, loginNanos, warmUp, result, verdicts, passed);
        }
        for (LoadResult.Verdict v : verdicts) {
            if (!v.passed()) {
                err.println("failed: threshold " + v.text());
            }
        }
        return passed ? 0 : 1;
    }

    private static void human(PrintStream out, Settings s, String path, TokenRenewal tokens, Histogram logins,
            long loginNanos, LoadResult warmUp, LoadResult r, List<LoadResult.Verdict> verdicts, boolean passed) {
        int accounts = tokens.accounts();
        out.printf(Locale.ROOT, "loadtest:   GET %s%s at %s/s for %s (open model), %d account%s in turn%n", s.url, path,
                s.rate.toPlainString(), s.durationText, accounts, accounts == 1 ? "" : "s");
        out.printf(Locale.ROOT, "logins:     %d in %.2f s, p50 %s, p95 %s (before the run, not in the figures below)%n",
                logins.getTotalCount(), loginNanos / 1e9, LoadResult.millis(logins.getValueAtPercentile(50)),
                LoadResult.millis(logins.getValueAtPercentile(95)));
        if (warmUp != null) {
            out.printf(Locale.ROOT, "warm-up:    %s at %s/s: %d of %d answered, %d errors, p95 %s (before the run, not in the "
                    + "figures below)%n", s.warmUpText, s.rate.toPlainString(), warmUp.completed, warmUp.planned,
                    warmUp.errors, warmUp.ok == 0 ? "-" : LoadResult.millis(warmUp.latencyMicros(95)));
        }
        if (tokens.renewals() + tokens.failures() > 0) {
            out.printf(Locale.ROOT, "renewals:   %d tokens renewed during the run, %d attempts failed%n",
                    tokens.renewals(), tokens.failures());
        }
        out.printf(Locale.ROOT, "requests:   %d planned, %d sent, %d not sent%n", r.planned, r.sent, r.notSent);
        out.printf(Locale.ROOT, "completed:  %d in %.2f s (%.1f/s): %d 2xx, %d 429 (rate limited, not errors)%n",
                r.completed, r.elapsedNanos / 1e9, r.throughput(), r.ok, r.rateLimited);
        out.printf(Locale.ROOT, "errors:     %d (%.2f%%)%n", r.errors, r.errorRate() * 100);
        new java.util.TreeMap<>(r.errorKinds).forEach((kind, n) -> out.printf(Locale.ROOT, "              %s: %d%n",
                kind, n));
        if (r.ok == 0) {
            out.println("latency:    no 2xx answer to measure");
        } else {
            out.printf(Locale.ROOT, "latency:    p50 %s, p95 %s, p99 %s, max %s (2xx answers, from when each was due)%n",
                    LoadResult.millis(r.latencyMicros(50)), LoadResult.millis(r.latencyMicros(95)),
                    LoadResult.millis(r.latencyMicros(99)), LoadResult.millis(r.maxLatencyMicros()));
        }
        for (LoadResult.Verdict v : verdicts) {
            out.println("threshold:  " + (v.passed() ? "pass " : "FAIL ") + v.text());
        }
        out.println("result:     " + (passed ? "PASS" : "FAIL"));
    }

    private static String json(Settings s, String path, TokenRenewal tokens, Histogram logins, long loginNanos,
            LoadResult warmUp, LoadResult r, List<LoadResult.Verdict> verdicts, boolean passed) {
        int accounts = tokens.accounts();
        ObjectNode root = JSON.createObjectNode();
        root.put("url", s.url + path).put("rate", s.rate).put("durationSeconds", s.duration.toNanos() / 1e9)
                .put("accounts", accounts);
        root.putObject("logins").put("count", logins.getTotalCount()).put("seconds", loginNanos / 1e9)
                .put("p50Ms", logins.getValueAtPercentile(50) / 1000.0)
                .put("p95Ms", logins.getValueAtPercentile(95) / 1000.0);
        if (warmUp != null) {
            ObjectNode warm = root.putObject("warmUp").put("seconds", s.warmUpDuration.toNanos() / 1e9)
                    .put("planned", warmUp.planned).put("completed", warmUp.completed).put("errors", warmUp.errors);
            if (warmUp.ok == 0) {
                warm.putNull("p95Ms");
            } else {
                warm.put("p95Ms", warmUp.latencyMicros(95) / 1000.0);
            }
        }
        root.putObject("tokenRenewals").put("renewed", tokens.renewals()).put("failed", tokens.failures());
        root.put("planned", r.planned).put("sent", r.sent).put("notSent", r.notSent).put("completed", r.completed)
                .put("ok", r.ok).put("rateLimited", r.rateLimited).put("errors", r.errors)
                .put("errorRate", r.errorRate()).put("elapsedSeconds", r.elapsedNanos / 1e9)
                .put("throughput", r.throughput());
        ObjectNode kinds = root.putObject("errorsByKind");
        new java.util.TreeMap<>(r.errorKinds).forEach(kinds::put);
        ObjectNode latency = root.putObject("latencyMs");
        if (r.ok > 0) {
            latency.put("p50", r.latencyMicros(50) / 1000.0).put("p95", r.latencyMicros(95) / 1000.0)
                    .put("p99", r.latencyMicros(99) / 1000.0).put("max", r.maxLatencyMicros() / 1000.0);
        }
        var thresholds = root.putArray("thresholds");
        for (LoadResult.Verdict v : verdicts) {
            thresholds.addObject().put("name", v.name()).put("passed", v.passed()).put("text", v.text());
        }
        root.put("passed", passed);
        return root.toString();
    }

    /**
     * The client's own warm-up: the run's requests at the run's rate for {@code --client-warm-up}, sent to a
     * {@link LoopbackResponder} in this process, so the measured run does not start with a cold load generator.
     */
    private static void warmClient(Settings s, PrintStream err) throws Exception {
        OpenLoadSchedule schedule = OpenLoadSchedule.of(s.rate, s.clientWarmUp);
        if (schedule.count() == 0) {
            return;
        }
        err.println("loadtest: warming this client up at " + s.rate.toPlainString() + "/s for "
                + s.clientWarmUp.toMillis() + " ms against a loopback responder (nothing sent to the service) …");
        try (LoopbackResponder responder = new LoopbackResponder(300);
                LoadSender sender = LoadSender.start(responder.uri("/api/v1/credentials/warm-up"), s.connections,
                        s.maxInFlight, s.timeout, i -> "warm-up")) {
            LoadRun.run(schedule, sender, s.maxInFlight, s.timeout.plusSeconds(5),
                    new PrintStream(java.io.OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8));
        }
    }

    // ------------------------------------------------------------------ setup

    /** Blocking calls for the setup; every failure is an {@link IllegalStateException} with a reason, no secret. */
    private static final class Api {
        private final HttpClient client;
        private final URI base;
        private final Duration timeout;

        Api(HttpClient client, URI base, Duration timeout) {
            this.client = client;
            this.base = base;
            this.timeout = timeout;
        }

        /** Polls {@code /health/ready} every 20 ms until it answers 200; fails after {@code limit}. */
        void awaitReady(Duration limit, PrintStream err) throws InterruptedException {
            err.println("loadtest: waiting for " + base + "/health/ready …");
            long start = System.nanoTime();
            long deadline = start + limit.toNanos();
            while (true) {
                try {
                    HttpResponse<Void> r = client.send(HttpRequest.newBuilder(URI.create(base + "/health/ready"))
                            .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.discarding());
                    if (r.statusCode() == 200) {
                        err.printf(Locale.ROOT, "loadtest: ready after %d ms%n", (System.nanoTime() - start) / 1_000_000);
                        return;
                    }
                } catch (IOException e) {
                    // not listening yet
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the service was not ready within " + limit.toMillis()
                            + " ms (GET /health/ready)");
                }
                Thread.sleep(20);
            }
        }

        /** Signs in; records the latency in {@code latencies} unless null (renewals during the run). */
        TokenRenewal.Session login(String username, String password, Histogram latencies) throws InterruptedException {
            ObjectNode body = JSON.createObjectNode().put("username", username).put("password", password);
            long start = System.nanoTime();
            HttpResponse<String> r = call("POST", "/api/v1/auth/login", null, body, "sign in as " + username);
            long micros = (System.nanoTime() - start) / 1_000;
            if (r.statusCode() != 200) {
                throw failure("sign in as " + username, r);
            }
            if (latencies != null) {
                synchronized (latencies) {
                    latencies.recordValue(micros);
                }
            }
            try {
                JsonNode answer = JSON.readTree(r.body());
                JsonNode token = answer.get("accessToken");
                if (token == null || !token.isTextual()) {
                    throw new IllegalStateException("sign in as " + username + ": the answer has no accessToken");
                }
                long expiresIn = answer.path("expiresIn").asLong(0);
                if (expiresIn <= 0) {
                    throw new IllegalStateException("sign in as " + username + ": the answer has no positive expiresIn");
                }
                return new TokenRenewal.Session(token.asText(), Duration.ofSeconds(expiresIn));
            } catch (IOException e) {
                throw new IllegalStateException("sign in as " + username + ": the answer is not JSON");
            }
        }

        void createUser(String adminToken, String username, String password) throws InterruptedException {
            ObjectNode body = JSON.createObjectNode().put("username", username).put("password", password)
                    .put("role", "user");
            HttpResponse<String> r = call("POST", "/api/v1/users", adminToken, body, "create user " + username);
            if (r.statusCode() != 201) {
                throw failure("create user " + username + " (needs an admin account)", r);
            }
        }

        /** Reads the credential; creates it with a placeholder value when it does not exist. */
        void ensureCredential(String token, String app) throws InterruptedException {
            String path = "/api/v1/credentials/" + URLEncoder.encode(app, StandardCharsets.UTF_8);
            HttpResponse<String> r = call("GET", path, token, null, "read credential " + app);
            if (r.statusCode() == 200) {
                return;
            }
            if (r.statusCode() != 404) {
                throw failure("read credential " + app, r);
            }
            ObjectNode value = JSON.createObjectNode().put("purpose", "infrakit loadtest");
            HttpResponse<String> put = call("PUT", path, token, value, "create credential " + app);
            if (put.statusCode() != 201 && put.statusCode() != 200) {
                throw failure("create credential " + app + " (needs an admin account)", put);
            }
        }

        private HttpResponse<String> call(String method, String path, String token, ObjectNode body, String what)
                throws InterruptedException {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout);
            if (token != null) {
                b.header("Authorization", "Bearer " + token);
            }
            if (body != null) {
                b.header("Content-Type", "application/json");
            }
            b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body.toString()));
            try {
                return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                throw new IllegalStateException(what + ": cannot reach " + base + " (" + LoadRun.kind(e) + ")");
            }
        }

        /** The status and the problem's detail (never the whole body: a 200 could hold a token). */
        private static IllegalStateException failure(String what, HttpResponse<String> r) {
            String detail = "";
            try {
                JsonNode problem = JSON.readTree(r.body());
                if (problem != null && problem.hasNonNull("detail")) {
                    detail = ": " + problem.get("detail").asText();
                }
            } catch (IOException | RuntimeException e) {
                // Not a problem body: the status alone says enough.
            }
            String hint = r.statusCode() == 429 ? " (rate limited: the setup's requests count against the service's"
                    + " limits; raise them or wait " + r.headers().firstValue("Retry-After").orElse("a while") + " s)"
                    : "";
            return new IllegalStateException(what + ": HTTP " + r.statusCode() + detail + hint);
        }
    }

    private interface SetupTask<T> {
        T run(int i) throws Exception;
    }

    /** Runs {@code task} for 0 … n-1 on a few threads; the results in order, or the first failure. */
    private static <T> List<T> parallel(int n, SetupTask<T> task) throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(n, SETUP_PARALLELISM), r -> {
            Thread t = new Thread(r, "infrakit-loadtest-setup");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int k = i;
                Callable<T> c = () -> task.run(k);
                futures.add(pool.submit(c));
            }
            List<T> results = new ArrayList<>();
            for (Future<T> f : futures) {
                try {
                    results.add(f.get());
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof RuntimeException) {
                        throw (RuntimeException) cause;
                    }
                    throw new IllegalStateException(cause.getMessage(), cause);
                }
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    private static String randomName(int length) {
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder b = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            b.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        return b.toString();
    }

    private static String randomPassword() {
        byte[] bytes = new byte[18];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
