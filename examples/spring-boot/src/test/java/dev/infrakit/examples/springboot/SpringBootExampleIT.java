package dev.infrakit.examples.springboot;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The example as it is run: its main class's start with {@code --server.port=0} on a fresh data
 * directory (keys generated at that start), the packaged {@code application.yml}, one application
 * for every test. Only the user tier is lowered on the command line, so the 429 comes quickly.
 */
class SpringBootExampleIT {
    @TempDir
    static Path data;
    static ConfigurableApplicationContext app;
    static int port;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() {
        app = SpringBootExample.start("--server.port=0", "--example.data-dir=" + data,
                "--infrakit.ratelimit.tier.user.limits=5/1m");
        port = Integer.parseInt(app.getEnvironment().getRequiredProperty("local.server.port"));
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    private static String token(String subject, String... roles) {
        String[] args = Stream.concat(Stream.of("token", subject, "--example.data-dir=" + data), Stream.of(roles))
                .toArray(String[]::new);
        return "Bearer " + SpringBootExample.token(args);
    }

    private HttpResponse<String> send(String method, String path, String body, String... headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(20)).method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json");
        if (headers.length > 0) {
            request.headers(headers);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path, String... headers) throws IOException, InterruptedException {
        return send("GET", path, null, headers);
    }

    @Test
    void theKeysAreGeneratedOwnerOnlyIntoTheDataDirectory() throws Exception {
        for (String secret : List.of("master.key", "audit.key", "token-signing-key.jwk")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data.resolve(secret))))
                    .isEqualTo("rw-------");
        }
        assertThat(Files.readString(data.resolve("jwks.json"))).contains("\"kid\":\"example-1\"").doesNotContain("\"d\"");
    }

    @Test
    void withoutATokenIs401Problem() throws Exception {
        HttpResponse<String> response = get("/api/v1/credentials");
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
        HttpResponse<String> forged = get("/api/v1/credentials", "Authorization", token("carol") + "x");
        assertThat(forged.statusCode()).isEqualTo(401);
        assertThat(forged.headers().firstValue("WWW-Authenticate")).hasValue("Bearer error=\"invalid_token\"");
    }

    @Test
    void anAdminWritesAUserReadsWithATokenAndAsNonAdminAWriteIs403() throws Exception {
        HttpResponse<String> created = send("PUT", "/api/v1/credentials/billing", "{\"password\":\"s3cret\"}",
                "Authorization", token("root", "admin"));
        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(created.body()).contains("\"version\":1");
        assertThat(send("PUT", "/api/v1/credentials/billing", "{\"password\":\"s3cret-2\"}",
                "Authorization", token("root", "admin")).statusCode()).isEqualTo(200);

        String user = token("uma", "user");
        HttpResponse<String> read = get("/api/v1/credentials/billing", "Authorization", user);
        assertThat(read.statusCode()).isEqualTo(200);
        assertThat(read.body()).contains("\"password\":\"s3cret-2\"", "\"version\":2");
        assertThat(get("/api/v1/credentials", "Authorization", user).body()).contains("\"app\":\"billing\"");
        assertThat(get("/api/v1/credentials/billing/versions", "Authorization", user).body())
                .contains("\"version\":1", "\"version\":2");
        assertThat(get("/api/v1/credentials/nothing", "Authorization", user).statusCode()).isEqualTo(404);

        HttpResponse<String> refused = send("PUT", "/api/v1/credentials/billing", "{\"password\":\"mine\"}",
                "Authorization", user);
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(get("/api/v1/credentials/billing", "Authorization", token("root", "admin")).body())
                .contains("s3cret-2");
    }

    @Test
    void hostileInputIsRefusedNeverStored() throws Exception {
        String admin = token("root", "admin");
        HttpResponse<String> control = send("PUT", "/api/v1/credentials/bad%01name", "{\"a\":\"b\"}",
                "Authorization", admin);
        assertThat(control.statusCode()).isEqualTo(400);
        HttpResponse<String> nulField = send("PUT", "/api/v1/credentials/nul", "{\"a\\u0000b\":\"x\"}",
                "Authorization", admin);
        assertThat(nulField.statusCode()).isEqualTo(400);
        HttpResponse<String> huge = send("PUT", "/api/v1/credentials/huge",
                "{\"a\":\"" + "x".repeat(2 * 1024 * 1024) + "\"}", "Authorization", admin);
        assertThat(huge.statusCode()).isEqualTo(413);
        assertThat(send("PUT", "/api/v1/credentials/empty", "{}", "Authorization", admin).statusCode()).isEqualTo(400);
        assertThat(get("/api/v1/credentials", "Authorization", admin).body())
                .doesNotContain("bad", "\"nul\"", "huge", "empty");
    }

    @Test
    void theAuditFileHoldsTheWriteWithTheSpringPrincipal() throws Exception {
        assertThat(send("PUT", "/api/v1/credentials/audited", "{\"user\":\"svc\"}",
                "Authorization", token("auditor-admin", "admin")).statusCode()).isEqualTo(201);
        StringBuilder logs = new StringBuilder();
        try (Stream<Path> files = Files.list(data.resolve("audit"))) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".log")).toList()) {
                logs.append(Files.readString(file));
            }
        }
        assertThat(logs.toString().lines()).anySatisfy(line -> assertThat(line)
                .contains("apps/audited", "\"auditor-admin\"", "127.0.0.1").contains("SUCCESS")
                .doesNotContain("svc\""));
    }

    @Test
    void anApiKeyFromATokenIs200AndCannotMintKeys() throws Exception {
        HttpResponse<String> created = send("POST", "/api/v1/apikeys", null, "Authorization", token("kim", "user"));
        assertThat(created.statusCode()).isEqualTo(201);
        String key = created.body().replaceAll(".*\"key\":\"([^\"]+)\".*", "$1");
        assertThat(get("/api/v1/credentials", "X-API-Key", key).statusCode()).isEqualTo(200);
        assertThat(send("POST", "/api/v1/apikeys", null, "X-API-Key", key).statusCode()).isEqualTo(403);
        assertThat(get("/api/v1/credentials", "X-API-Key", key + "0").statusCode()).isEqualTo(401);
    }

    @Test
    void overTheUserLimitIs429WithRateLimitHeaders() throws Exception {
        String token = token("rita", "user");
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> ok = get("/api/v1/credentials", "Authorization", token);
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.headers().firstValue("RateLimit")).isPresent();
        }
        HttpResponse<String> refused = get("/api/v1/credentials", "Authorization", token);
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().firstValue("RateLimit-Policy")).hasValueSatisfying(p -> assertThat(p).contains("5"));
        assertThat(refused.headers().firstValue("RateLimit")).isPresent();
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();
        assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        // Another user from the same address keeps its own budget.
        assertThat(get("/api/v1/credentials", "Authorization", token("sam", "user")).statusCode()).isEqualTo(200);
    }

    @Test
    void actuatorHealthShowsInfrakitsChecks() throws Exception {
        HttpResponse<String> health = get("/actuator/health");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"infrakit\"", "\"status\":\"UP\"");
        // The audit sink's check, and the built-in checks named in infrakit.health.checks.
        assertThat(health.body()).contains("\"audit-log\"", "\"heap\"", "\"check\":\"disk:", "\"critical\":true");
    }

    @Test
    void prometheusShowsInfrakitsMeters() throws Exception {
        get("/api/v1/credentials", "Authorization", token("pete", "user"));
        HttpResponse<String> scrape = get("/actuator/prometheus");
        assertThat(scrape.statusCode()).isEqualTo(200);
        assertThat(scrape.body()).contains("infrakit_ratelimit", "infrakit_health", "infrakit_audit");
        assertThat(scrape.body().lines()).anyMatch(l -> l.startsWith("infrakit_ratelimit") && l.contains("limiter=\"api\""));
    }
}
