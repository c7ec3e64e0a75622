package dev.infrakit.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The runnable jar as a user starts it ({@code java -jar examples/target/infrakit-examples.jar}):
 * serve, SIGTERM drain and exit 0 with the audit trail intact, API keys surviving a restart, and the
 * exit codes of help, usage errors, a port in use, a database that cannot be reached and a master key
 * file that is refused.
 */
class ServeJarIT {
    private static final Path JAR = Paths.get("target", "infrakit-examples.jar");
    private static final Pattern LISTENING = Pattern.compile("listening on http://localhost:(\\d+)");
    private static final String ADMIN_PASSWORD = "jar-admin-" + "password";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<Process> started = new ArrayList<>();
    @TempDir
    Path data;

    @AfterEach
    void killLeftovers() {
        started.forEach(Process::destroyForcibly);
    }

    /** A started jar, its stdout lines in a queue, stderr collected. */
    private final class Jar {
        final Process process;
        final BlockingQueue<String> out = new LinkedBlockingQueue<>();
        final StringBuffer err = new StringBuffer();

        Jar(String... args) throws IOException {
            this(List.of(), args);
        }

        Jar(List<String> jvmOptions, String... args) throws IOException {
            assertTrue(Files.isRegularFile(JAR), JAR.toAbsolutePath() + " is missing: run ./mvnw package first");
            List<String> command = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java")
                    .toString()));
            command.addAll(jvmOptions);
            command.addAll(List.of("-jar", JAR.toString()));
            command.addAll(List.of(args));
            ProcessBuilder builder = new ProcessBuilder(command);
            builder.environment().keySet().removeIf(k -> k.startsWith("INFRAKIT_"));
            builder.environment().put("INFRAKIT_ADMIN_PASSWORD", ADMIN_PASSWORD);
            process = builder.start();
            started.add(process);
            pump(new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)), out::add);
            pump(new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8)),
                    line -> err.append(line).append('\n'));
        }

        int port() throws InterruptedException {
            for (long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60); System.nanoTime() < end;) {
                String line = out.poll(1, TimeUnit.SECONDS);
                Matcher m = line == null ? null : LISTENING.matcher(line);
                if (m != null && m.find()) {
                    return Integer.parseInt(m.group(1));
                }
                assertTrue(process.isAlive() || line != null, "the jar exited: " + err);
            }
            throw new AssertionError("the jar did not report its port within 60 s: " + err);
        }

        int exitCode() throws InterruptedException {
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the jar did not exit: " + err);
            return process.exitValue();
        }
    }

    private static void pump(BufferedReader reader, java.util.function.Consumer<String> sink) {
        Thread t = new Thread(() -> {
            try (reader) {
                for (String line; (line = reader.readLine()) != null;) {
                    sink.accept(line);
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "jar-output");
        t.setDaemon(true);
        t.start();
    }

    private HttpResponse<String> call(int port, String method, String path, String header, String value, String body)
            throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10));
        if (header != null) {
            r.header(header, value);
        }
        if (body != null) {
            r.header("Content-Type", "application/json");
        }
        r.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return client.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String login(int port) throws Exception {
        HttpResponse<String> r = call(port, "POST", "/api/v1/auth/login", null, null,
                "{\"username\":\"admin\",\"password\":\"" + ADMIN_PASSWORD + "\"}");
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body()).get("accessToken").asText();
    }

    @Test
    void aWarmUpThatFailsIsLoggedAndTheServiceTurnsReadyWithoutIt(@TempDir Path elsewhere) throws Exception {
        // The throwaway instance's directory goes in java.io.tmpdir: a file there makes the warm-up fail at once.
        Path notADirectory = Files.writeString(elsewhere.resolve("not-a-directory"), "");
        Jar jar = new Jar(List.of("-Djava.io.tmpdir=" + notADirectory), "serve", "--port", "0", "--warm-up", "60s",
                "--data-dir", data.toString(), "--password-iterations", "1000");
        int port = jar.port();
        long start = System.nanoTime();
        HttpResponse<String> ready = call(port, "GET", "/health/ready", null, null, null);
        while (ready.statusCode() != 200) {
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(30),
                    "ready long before the 60 s warm-up would have ended: " + ready.body() + "\n" + jar.err);
            Thread.sleep(50);
            ready = call(port, "GET", "/health/ready", null, null, null);
        }
        assertTrue(JSON.readTree(ready.body()).path("checks").has("warm-up"), ready.body());
        for (long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                !jar.err.toString().contains("The warm-up failed") && System.nanoTime() < end;) {
            Thread.sleep(50);
        }
        String log = jar.err.toString();
        assertTrue(log.contains("The warm-up failed (" + notADirectory) && log.contains("; ready without it"), log);
        // It serves as it would have after a warm-up.
        String token = login(port);
        assertEquals(404, call(port, "GET", "/api/v1/credentials/none", "Authorization", "Bearer " + token, null)
                .statusCode());
        jar.process.destroy();
        assertEquals(0, jar.exitCode(), jar.err.toString());
    }

    @Test
    void sigtermDrainsAndExitsZeroWithTheAuditIntactApiKeysSurviveARestartAndTamperingIsFound() throws Exception {
        String[] serve = {"serve", "--port", "0", "--warm-up", "0s", "--data-dir", data.toString(), "--password-iterations", "1000",
            "--drain", "3s"};
        Jar first = new Jar(serve);
        int port = first.port();
        String token = login(port);
        assertEquals(201, call(port, "PUT", "/api/v1/credentials/billing", "Authorization", "Bearer " + token,
                "{\"password\":\"s3cret-value\"}").statusCode());
        HttpResponse<String> created = call(port, "POST", "/api/v1/apikeys", "Authorization", "Bearer " + token, "{}");
        assertEquals(201, created.statusCode(), created.body());
        String apiKey = JSON.readTree(created.body()).get("key").asText();
        assertEquals(200, call(port, "GET", "/health/ready", null, null, null).statusCode());

        first.process.destroy(); // SIGTERM, delivered asynchronously: poll until the shutdown hook runs
        // Readiness turns 503 at once while requests are still served during the drain period.
        HttpResponse<String> ready = call(port, "GET", "/health/ready", null, null, null);
        for (long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10); ready.statusCode() == 200
                && System.nanoTime() < end;) {
            Thread.sleep(10);
            ready = call(port, "GET", "/health/ready", null, null, null);
        }
        assertEquals(503, ready.statusCode(), ready.body());
        assertEquals(200, call(port, "GET", "/api/v1/credentials/billing", "X-API-Key", apiKey, null).statusCode());
        assertEquals(0, first.exitCode(), first.err.toString());

        // The audit trail was flushed and closed: it verifies, and holds the credential write.
        Jar verify = new Jar("audit", "verify", "--data-dir", data.toString());
        assertEquals(0, verify.exitCode(), verify.err.toString());
        String ok = verify.out.poll(5, TimeUnit.SECONDS);
        assertNotNull(ok);
        assertTrue(ok.startsWith("OK: "), ok);

        // Restarted on the same data directory: the API key (kept encrypted in the file store) still works.
        Jar second = new Jar(serve);
        int again = second.port();
        HttpResponse<String> read = call(again, "GET", "/api/v1/credentials/billing", "X-API-Key", apiKey, null);
        assertEquals(200, read.statusCode(), read.body());
        assertTrue(read.body().contains("s3cret-value"));
        String anyFile;
        try (var files = Files.walk(data)) {
            anyFile = files.filter(Files::isRegularFile).map(p -> {
                try {
                    return new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).filter(content -> content.contains(apiKey.substring(apiKey.length() - 20))
                    || content.contains("s3cret-value")).findFirst().orElse(null);
        }
        assertEquals(null, anyFile, "an API key or a secret value is written in the clear under the data directory");
        second.process.destroy();
        assertEquals(0, second.exitCode(), second.err.toString());

        // The newest records cut off both logs at a line boundary, with every checkpoint in security.log:
        // the chains alone still verify, the checkpoint copies beside the audit directory do not.
        Path auditDir = data.resolve("audit");
        Path cut = Files.createDirectories(data.resolve("cut-copy"));
        for (String name : List.of("master.key", "audit-checkpoint.pub", "audit-checkpoints")) {
            Files.copy(data.resolve(name), cut.resolve(name));
        }
        Files.createDirectories(cut.resolve("audit"));
        try (var files = Files.list(auditDir)) {
            for (Path f : files.toList()) {
                if (f.getFileName().toString().endsWith(".journal")) {
                    continue; // the journals describe the uncut logs
                }
                List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
                if (f.getFileName().toString().equals("audit.log")) {
                    lines = lines.subList(0, lines.size() - 2);
                } else if (f.getFileName().toString().equals("security.log")) {
                    lines = lines.stream().takeWhile(l -> !l.contains("\"checkpoint\":\"")).toList();
                }
                Files.write(cut.resolve("audit").resolve(f.getFileName()), lines, StandardCharsets.UTF_8);
            }
        }
        Jar chainsAlone = new Jar("audit", "verify", "--data-dir", cut.toString(), "--no-checkpoints");
        assertEquals(0, chainsAlone.exitCode(), chainsAlone.err.toString());
        Jar truncated = new Jar("audit", "verify", "--data-dir", cut.toString());
        assertEquals(1, truncated.exitCode(), truncated.err.toString());
        String cutLine = truncated.out.poll(5, TimeUnit.SECONDS);
        assertNotNull(cutLine);
        assertTrue(cutLine.startsWith("TAMPERED: " + cut.resolve("audit").resolve("audit.log")) && cutLine.contains(
                "TRUNCATED"), cutLine);

        // One byte changed in the service's own audit log: verify names the file and the record.
        Path log = data.resolve("audit").resolve("audit.log");
        byte[] bytes = Files.readAllBytes(log);
        String text = new String(bytes, StandardCharsets.UTF_8);
        int at = text.indexOf("billing");
        assertTrue(at > 0, "the credential write is in the audit log");
        bytes[at] = (byte) 'B';
        Files.write(log, bytes);
        Jar tampered = new Jar("audit", "verify", "--data-dir", data.toString());
        assertEquals(1, tampered.exitCode(), tampered.err.toString());
        String line = tampered.out.poll(5, TimeUnit.SECONDS);
        assertNotNull(line);
        assertTrue(line.startsWith("TAMPERED: " + log), line);
    }

    @Test
    void exitCodesOfHelpUsageErrorsAPortInUseAndAnUnreachableDatabase() throws Exception {
        Jar help = new Jar("serve", "--help");
        assertEquals(0, help.exitCode());

        Jar bad = new Jar("serve", "--rate-user", "lots");
        assertEquals(2, bad.exitCode());
        assertTrue(bad.err.toString().contains("--rate-user"), bad.err.toString());

        try (ServerSocket taken = new ServerSocket(0)) {
            Jar busy = new Jar("serve", "--port", String.valueOf(taken.getLocalPort()), "--data-dir", data.toString(),
                    "--password-iterations", "1000");
            assertEquals(1, busy.exitCode());
            assertOneLine(busy.err.toString(), "in use");
        }

        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        // The URL with its password from a file, as the README recommends (argv would add a warning line).
        Path url = Files.writeString(data.resolve("db.url"), "jdbc:postgresql://127.0.0.1:" + closed
                + "/demo?user=demo&password=not-printed\n");
        Jar noDatabase = new Jar("serve", "--port", "0", "--warm-up", "0s", "--data-dir", data.resolve("pg").toString(),
                "--jdbc-url-file", url.toString());
        assertEquals(1, noDatabase.exitCode());
        assertOneLine(noDatabase.err.toString(), "127.0.0.1:" + closed);
        assertFalse(noDatabase.err.toString().contains("not-printed"), noDatabase.err.toString());
    }

    /** What a local attacker could plant or loosen is refused before anything starts: exit 1, one line. */
    @Test
    void aMasterKeyFileOthersCanReadALinkOrAnotherUsersFileStopsTheServiceWithOneLine() throws Exception {
        Path loose = Files.createDirectories(data.resolve("loose"));
        Path key = loose.resolve("master.key");
        Files.writeString(key, dev.infrakit.credentials.MasterKey.generate().toBase64() + "\n");
        Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        Jar readable = new Jar("serve", "--port", "0", "--warm-up", "0s", "--data-dir", loose.toString(), "--password-iterations", "1000");
        assertEquals(1, readable.exitCode());
        assertOneLine(readable.err.toString(), "failed: Refusing the master key file " + key
                + ": it is accessible by its group or others (mode 0644); run chmod 600 on it");

        Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Path link = Files.createSymbolicLink(data.resolve("link.key"), key);
        Jar linked = new Jar("serve", "--port", "0", "--warm-up", "0s", "--data-dir", data.resolve("linked").toString(),
                "--master-key-file", link.toString(), "--password-iterations", "1000");
        assertEquals(1, linked.exitCode());
        assertOneLine(linked.err.toString(), "failed: Refusing the master key file " + link + ": it is a symbolic link");

        // A dangling link planted where the key would be generated: neither followed nor replaced.
        Path planted = Files.createDirectories(data.resolve("planted"));
        Path chosen = data.resolve("chosen-by-attacker");
        Files.createSymbolicLink(planted.resolve("master.key"), chosen);
        Jar dangling = new Jar("serve", "--port", "0", "--warm-up", "0s", "--data-dir", planted.toString(), "--password-iterations", "1000");
        assertEquals(1, dangling.exitCode());
        assertOneLine(dangling.err.toString(), "is a symbolic link");
        assertFalse(Files.exists(chosen), "a key was written through the planted link");

        Files.setOwner(key, key.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
        Jar foreign = new Jar("serve", "--port", "0", "--warm-up", "0s", "--data-dir", loose.toString(), "--password-iterations", "1000");
        assertEquals(1, foreign.exitCode());
        assertOneLine(foreign.err.toString(), "is owned by nobody, not by " + System.getProperty("user.name"));
    }

    private static void assertOneLine(String err, String expected) {
        assertEquals(1, err.lines().count(), "one line: " + err);
        assertTrue(err.contains(expected), err);
        assertFalse(err.contains("\tat "), err);
    }

}
