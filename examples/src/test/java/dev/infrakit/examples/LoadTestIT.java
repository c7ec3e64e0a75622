package dev.infrakit.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code loadtest} run in-process against the demo service, itself in-process on a free port. */
class LoadTestIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADMIN_PASSWORD = "admin-password-" + "for-the-load-test";
    private static final Map<String, String> ENV = Map.of("INFRAKIT_ADMIN_PASSWORD", ADMIN_PASSWORD);
    @TempDir
    Path data;
    private DemoService service;

    private void start(String... flags) throws Exception {
        List<String> args = new ArrayList<>(List.of("--port", "0", "--warm-up", "0s", "--data-dir", data.toString(),
                "--password-iterations", "1000", "--drain", "100ms", "--rate-anonymous", "1000/15m",
                "--rate-admin", "1000/15m", "--rate-user", "100000/15m"));
        args.addAll(List.of(flags));
        service = DemoService.start(ServeCommand.settings(args, ENV),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void stop() {
        if (service != null) {
            service.close();
        }
    }

    private String url() {
        return "http://127.0.0.1:" + service.port();
    }

    private static final class Run {
        int code;
        String out;
        String err;
    }

    private static Run loadtest(Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> all = new ArrayList<>(List.of("loadtest"));
        if (!List.of(args).contains("--client-warm-up")) {
            all.addAll(List.of("--client-warm-up", "0s")); // the client's own warm-up: one test below
        }
        all.addAll(List.of(args));
        Run r = new Run();
        r.code = Main.run(all, env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        r.out = out.toString(StandardCharsets.UTF_8);
        r.err = err.toString(StandardCharsets.UTF_8);
        assertFalse(r.out.contains(ADMIN_PASSWORD) || r.err.contains(ADMIN_PASSWORD), "no password printed");
        assertFalse(r.out.contains("eyJ") || r.err.contains("eyJ"), "no token printed");
        return r;
    }

    @Test
    void aSteadyRunWithCreatedUsersSendsExactlyRateTimesDurationAndPasses() throws Exception {
        start();
        Run r = loadtest(ENV, "--url", url(), "--rate", "50", "--duration", "2s", "--users", "3", "--json");
        assertEquals(0, r.code, r.out + r.err);
        JsonNode report = JSON.readTree(r.out);
        assertEquals(100, report.get("planned").asLong());
        assertEquals(100, report.get("sent").asLong(), "exactly rate × duration");
        assertEquals(0, report.get("notSent").asLong());
        assertEquals(100, report.get("completed").asLong());
        assertEquals(100, report.get("ok").asLong());
        assertEquals(0, report.get("rateLimited").asLong());
        assertEquals(0, report.get("errors").asLong(), r.out);
        assertEquals(3, report.get("accounts").asInt());
        assertEquals(4, report.get("logins").get("count").asLong(), "the admin and the three users");
        assertTrue(report.get("latencyMs").get("p95").asDouble() > 0);
        assertTrue(report.get("throughput").asDouble() > 30, report.toString());
        assertTrue(report.get("passed").asBoolean());
        assertTrue(r.err.contains("loadtest 1s: sent "), "progress on stderr once a second:\n" + r.err);
    }

    @Test
    void aWarmUpRunsFirstAtTheSameRateAndIsReportedApartFromTheRun() throws Exception {
        start();
        Run r = loadtest(ENV, "--url", url(), "--rate", "40", "--duration", "1s", "--warm-up", "1s", "--json");
        assertEquals(0, r.code, r.out + r.err);
        JsonNode report = JSON.readTree(r.out);
        JsonNode warm = report.get("warmUp");
        assertEquals(1.0, warm.get("seconds").asDouble());
        assertEquals(40, warm.get("planned").asLong());
        assertEquals(40, warm.get("completed").asLong(), r.out);
        assertEquals(0, warm.get("errors").asLong());
        assertTrue(warm.get("p95Ms").asDouble() > 0);
        // The run's figures hold only the run's own requests.
        assertEquals(40, report.get("planned").asLong());
        assertEquals(40, report.get("sent").asLong());
        assertEquals(40, report.get("ok").asLong());
        assertTrue(r.err.contains("warming up at 40/s for 1s (not counted)"), r.err);

        Run human = loadtest(ENV, "--url", url(), "--rate", "20", "--duration", "1s", "--warm-up", "500ms");
        assertEquals(0, human.code, human.out + human.err);
        assertTrue(human.out.contains("warm-up:    500ms at 20/s: 10 of 10 answered, 0 errors, p95 "), human.out);
        assertTrue(human.out.contains("completed:  20 in"), human.out);
        // Without --warm-up there is none.
        Run none = loadtest(ENV, "--url", url(), "--rate", "20", "--duration", "1s", "--json");
        assertTrue(JSON.readTree(none.out).path("warmUp").isMissingNode(), none.out);
    }

    private long credentialReadsCounted() throws Exception {
        String metrics = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(url() + "/metrics")).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        return metrics.lines().filter(l -> l.startsWith("http_server_requests_seconds_count{method=\"GET\"")
                && l.contains("uri=\"/api/v1/credentials/{app}\"")).mapToLong(l -> (long) Double.parseDouble(
                        l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    @Test
    void theClientWarmsItselfWithoutTheServiceAndWaitsUntilTheServiceIsReady() throws Exception {
        start("--warm-up", "2s"); // the service warms up in the background: not ready for ~2 s
        long started = System.nanoTime();
        Run r = loadtest(ENV, "--url", url(), "--rate", "50", "--duration", "1s", "--client-warm-up", "1s",
                "--await-ready", "30s", "--json");
        assertEquals(0, r.code, r.out + r.err);
        assertTrue(r.err.contains("warming this client up at 50/s for 1000 ms against a loopback responder"), r.err);
        assertTrue(r.err.contains("loadtest: ready after "), r.err);
        assertTrue(System.nanoTime() - started >= java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(1900),
                "the run waited for the service's 2 s warm-up");
        JsonNode report = JSON.readTree(r.out);
        assertEquals(50, report.get("ok").asLong(), r.out);
        // The service saw the run's 50 reads and the setup's one (404, then created): none of the client's
        // own warm-up, which went to its loopback responder.
        assertEquals(51, credentialReadsCounted());

        Run notReady = loadtest(ENV, "--url", "http://127.0.0.1:1", "--rate", "5", "--duration", "1s",
                "--await-ready", "300ms");
        assertEquals(1, notReady.code, notReady.out + notReady.err);
        assertTrue(notReady.err.contains("failed: the service was not ready within 300 ms"), notReady.err);
    }

    @Test
    void theHumanReportOnTheAdminAccount() throws Exception {
        start();
        Run r = loadtest(ENV, "--url", url() + "/", "--rate", "20", "--duration", "1s", "--app", "billing-db");
        assertEquals(0, r.code, r.out + r.err);
        for (String line : List.of("GET " + url() + "/api/v1/credentials/billing-db at 20/s for 1s (open model), 1 account",
                "logins:     1 in ", "requests:   20 planned, 20 sent, 0 not sent", ": 20 2xx, 0 429",
                "errors:     0 (0.00%)", "latency:    p50 ", "threshold:  pass p95 ", "threshold:  pass error rate 0.00%",
                "result:     PASS")) {
            assertTrue(r.out.contains(line), line + " in\n" + r.out);
        }
    }

    @Test
    void rateLimitedAnswersAreReportedApartAndAreNotErrors() throws Exception {
        start("--rate-user", "5/15m");
        Run r = loadtest(ENV, "--url", url(), "--rate", "20", "--duration", "1s", "--users", "2", "--json");
        assertEquals(0, r.code, r.out + r.err);
        JsonNode report = JSON.readTree(r.out);
        assertEquals(20, report.get("sent").asLong());
        assertEquals(20, report.get("completed").asLong());
        assertTrue(report.get("rateLimited").asLong() > 0, report.toString());
        assertTrue(report.get("ok").asLong() > 0, report.toString());
        assertEquals(20, report.get("ok").asLong() + report.get("rateLimited").asLong());
        assertEquals(0, report.get("errors").asLong());
    }

    @Test
    void anImpossibleThresholdExits1NamingIt() throws Exception {
        start();
        Run r = loadtest(ENV, "--url", url(), "--rate", "20", "--duration", "1s", "--p95", "1us");
        assertEquals(1, r.code, r.out + r.err);
        assertTrue(r.out.contains("threshold:  FAIL p95 ") && r.out.contains("is over the 1us limit by"), r.out);
        assertTrue(r.out.contains("threshold:  pass error rate"), r.out);
        assertTrue(r.out.contains("result:     FAIL"), r.out);
        assertTrue(r.err.contains("failed: threshold p95 "), r.err);
    }

    @Test
    void aFailedSetupExits1WithTheReasonAndNoSecret() throws Exception {
        start();
        Run wrong = loadtest(ENV, "--url", url(), "--rate", "10", "--duration", "1s", "--password",
                "not-the-" + "right-password");
        assertEquals(1, wrong.code);
        assertTrue(wrong.err.contains("failed: sign in as admin: HTTP 401"), wrong.err);
        assertFalse(wrong.err.contains("right-password") || wrong.out.contains("right-password"));

        Run users = loadtest(ENV, "--url", url(), "--rate", "10", "--duration", "1s", "--users", "2");
        assertEquals(0, users.code, users.err);
        String port = url();
        service.close();
        service = null;
        Run down = loadtest(ENV, "--url", port, "--rate", "10", "--duration", "1s");
        assertEquals(1, down.code);
        assertTrue(down.err.contains("failed: sign in as admin: cannot reach " + port), down.err);
    }

    @Test
    void usageErrorsExit2WithTheUsage() {
        String url = "http://127.0.0.1:1";
        List<List<String>> bad = List.of(
                List.of("--rate", "10", "--duration", "1s"),
                List.of("--url", url, "--duration", "1s"),
                List.of("--url", url, "--rate", "10"),
                List.of("--url", url, "--rate", "0", "--duration", "1s"),
                List.of("--url", url, "--rate", "-5", "--duration", "1s"),
                List.of("--url", url, "--rate", "fast", "--duration", "1s"),
                List.of("--url", url, "--rate", "10", "--duration", "0s"),
                List.of("--url", url, "--rate", "10", "--duration", "soon"),
                List.of("--url", url, "--rate", "0.5", "--duration", "1s"),
                List.of("--url", url, "--rate", "10", "--duration", "1s", "--users", "0"),
                List.of("--url", url, "--rate", "10", "--duration", "1s", "--users", "many"),
                List.of("--url", "ftp://example.org", "--rate", "10", "--duration", "1s"),
                List.of("--url", "localhost:8080", "--rate", "10", "--duration", "1s"),
                List.of("--url", "http://admin:secret@localhost:8080", "--rate", "10", "--duration", "1s"),
                List.of("--url", url, "--rate", "10", "--duration", "1s", "--max-error-rate", "150%"),
                List.of("--url", url, "--rate", "10", "--duration", "1s", "--p95", "fast"),
                List.of("--url", url, "--rate", "10", "--duration", "1s", "--max-in-flight", "0"),
                List.of("--url", url, "--rate", "10", "--duration", "1s", "--connections", "0"),
                List.of("--url", url, "--rate", "10", "--duration", "1s", "--client-warm-up", "soon"),
                List.of("--url", url, "--rate", "10", "--duration", "1s", "--await-ready", "-1s"),
                List.of("--url", url, "--rate", "10", "--duration", "1s", "--warm-up", "soon"),
                List.of("--url", url, "--rate", "10", "--duration", "1s", "--warm-up", "50ms"),
                List.of("--url", url, "--rate", "10", "--duration", "1s", "--app", "a/b"),
                List.of("--url", url, "--rate", "10", "--duration", "1s", "--verbose"),
                List.of("--url", url, "--rate", "10", "--duration", "1s", "extra"));
        for (List<String> args : bad) {
            Run r = loadtest(ENV, args.toArray(String[]::new));
            assertEquals(2, r.code, args + ": " + r.err);
            assertTrue(r.err.startsWith("error: ") && r.err.contains("loadtest --url URL --rate R"), args + ": " + r.err);
        }
        Run noPassword = loadtest(Map.of(), "--url", url, "--rate", "10", "--duration", "1s");
        assertEquals(2, noPassword.code);
        assertTrue(noPassword.err.contains("--password (or INFRAKIT_ADMIN_PASSWORD) is required"), noPassword.err);
        assertFalse(loadtest(ENV, "--url", "http://admin:secret@localhost:8080", "--rate", "1", "--duration", "1s").err
                .contains("secret"), "a password in the URL is not echoed");

        Run help = loadtest(ENV, "--help");
        assertEquals(0, help.code);
        assertTrue(help.out.contains("loadtest --url URL --rate R --duration D"), help.out);
    }
}
