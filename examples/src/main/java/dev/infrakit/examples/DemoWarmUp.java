package dev.infrakit.examples;

import com.fasterxml.jackson.databind.JsonNode;
import dev.infrakit.auth.JwsAlgorithm;
import dev.infrakit.auth.SigningKey;
import dev.infrakit.auth.TokenIssuer;
import dev.infrakit.auth.TokenVerifier;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * Warm before ready: the hot paths of an authenticated credential read — Jetty's request handling, the
 * filters, sign-in (ES256 signing), bearer-token verification (ES256, with and past the verified-token
 * cache), the rate limiter, the credential read and its JSON, and the audit event's encoding and durable
 * write — run a few thousand times so the JIT has compiled them before the first real request arrives.
 *
 * <p>They run in a <em>throwaway instance</em> of the same service: a {@link DemoService} on the same settings'
 * code paths (the same token cache and server limits) in a fresh temporary directory, on a loopback port of its
 * own, with its own master key, admin account and audit trail, deleted afterwards. Compiled code is per class,
 * not per object, so the live instance finds it compiled; and nothing of the warm-up reaches the live
 * instance's audit trail, rate-limit budgets, credentials or metrics. PostgreSQL mode warms the same code
 * except the JDBC driver's (the throwaway instance is embedded: no warm-up write reaches the database).
 *
 * <p>For the budget, {@value #CLIENTS} clients send requests one after another (many at once, as the audit's
 * group commit needs to batch): reads of one credential with the latest token, and a sign-in every
 * {@value #LOGIN_EVERY} reads of one client (at most {@value #MAX_LOGINS}), so those tokens' first uses are verified in full;
 * beside them one thread signs and verifies tokens with a throwaway key of the same algorithm, in-process.
 */
final class DemoWarmUp {
    /** Every this many reads a client signs in again: a fresh token, verified in full on its first use. */
    static final int LOGIN_EVERY = 16;
    private static final int CLIENTS = 32;
    /**
     * Sign-ins at most: the throwaway instance's login throttle allows a network 100 attempts per 15 minutes,
     * and the fresh tokens' signatures are also warmed apart ({@link #tokens}).
     */
    private static final int MAX_LOGINS = 60;
    private static final String APP = "warm-up";
    private static final SecureRandom RANDOM = new SecureRandom();
    /** The throwaway instances' directories, in {@code java.io.tmpdir}. */
    static final String PREFIX = "infrakit-warm-up-";
    /** A directory without its instance's lock is abandoned once this old (a warm-up lasts at most a minute). */
    private static final Duration UNLOCKED_AGE = Duration.ofMinutes(10);

    /** What a warm-up did. */
    record Result(long reads, long logins, Duration took) {
    }

    private DemoWarmUp() {
    }

    /**
     * Runs the warm-up for {@code budget} (stopping early when {@code stop} turns true).
     *
     * @param live the live service's settings: the throwaway instance takes its token cache and server limits
     * @throws IOException when the throwaway instance cannot start or a request fails (the warm-up is then
     *     incomplete; the caller decides whether to serve anyway)
     */
    static Result run(DemoService.Settings live, Duration budget, BooleanSupplier stop) throws Exception {
        long start = System.nanoTime();
        Path temp = Path.of(System.getProperty("java.io.tmpdir"));
        removeAbandoned(temp);
        Path dir = Files.createTempDirectory(temp, PREFIX); // rwx------
        try {
            DemoService.Settings s = throwaway(live, dir);
            DemoService shadow = DemoService.start(s, new PrintStream(new ByteArrayOutputStream(), true,
                    StandardCharsets.UTF_8));
            try {
                return drive(shadow.port(), s.adminPassword, start, start + budget.toNanos(), stop);
            } finally {
                shadow.close();
            }
        } finally {
            deleteTree(dir);
        }
    }

    private static DemoService.Settings throwaway(DemoService.Settings live, Path dir) {
        DemoService.Settings s = new DemoService.Settings();
        s.port = 0;
        s.dataDir = dir;
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        s.masterKeyBase64 = Base64.getEncoder().encodeToString(key);
        byte[] password = new byte[18];
        RANDOM.nextBytes(password);
        s.adminPassword = Base64.getUrlEncoder().withoutPadding().encodeToString(password);
        s.passwordIterations = 1000; // sign-ins are warmed for their signature, not for PBKDF2's cost
        String unlimited = "1000000000/1s";
        s.rateAnonymous = unlimited;
        s.rateClient = unlimited;
        s.rateUser = unlimited;
        s.rateAdmin = unlimited;
        s.drain = Duration.ZERO;
        s.tokenKeyRotation = null;
        s.tokenCache = live.tokenCache;
        s.readTimeout = live.readTimeout;
        s.maxThreads = live.maxThreads;
        s.maxQueued = live.maxQueued;
        s.maxHeaderBytes = live.maxHeaderBytes;
        s.maxBody = live.maxBody;
        s.warmUp = Duration.ZERO;
        return s;
    }

    private static Result drive(int port, String password, long start, long deadline, BooleanSupplier stop)
            throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool(16, 2);
        threads.setName("infrakit-warm-up-client");
        threads.setDaemon(true);
        HttpClient client = new HttpClient();
        client.setExecutor(threads);
        client.setUserAgentField(null);
        client.start();
        try {
            String base = "http://127.0.0.1:" + port;
            String login = ApiCall.JSON.createObjectNode().put("username", "admin").put("password", password).toString();
            String token = login(client, base, login);
            ContentResponse put = client.newRequest(base + "/api/v1/credentials/" + APP).method(HttpMethod.PUT)
                    .headers(h -> h.put(HttpHeader.AUTHORIZATION, "Bearer " + token))
                    .body(new StringRequestContent("application/json", "{\"purpose\":\"warm-up\"}"))
                    .timeout(10, TimeUnit.SECONDS).send();
            if (put.getStatus() != 201 && put.getStatus() != 200) {
                expect(put, 201, "create the credential");
            }
            AtomicLong reads = new AtomicLong();
            AtomicLong logins = new AtomicLong();
            List<Thread> workers = new ArrayList<>();
            List<Exception> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            for (int w = 0; w < CLIENTS; w++) {
                boolean signsIn = w == 0; // one at a time: concurrent sign-ins of one account meet its throttle
                Thread t = new Thread(() -> {
                    try {
                        String mine = token;
                        for (long i = 1; System.nanoTime() < deadline && !stop.getAsBoolean() && failures.isEmpty();
                                i++) {
                            if (signsIn && i % LOGIN_EVERY == 0 && logins.get() < MAX_LOGINS) {
                                mine = login(client, base, login);
                                logins.incrementAndGet();
                            }
                            String bearer = mine;
                            ContentResponse r = client.newRequest(base + "/api/v1/credentials/" + APP)
                                    .headers(h -> h.put(HttpHeader.AUTHORIZATION, "Bearer " + bearer))
                                    .timeout(10, TimeUnit.SECONDS).send();
                            expect(r, 200, "read the credential");
                            reads.incrementAndGet();
                        }
                    } catch (Exception e) {
                        failures.add(e);
                    }
                }, "infrakit-warm-up-" + w);
                t.setDaemon(true);
                workers.add(t);
                t.start();
            }
            Thread signatures = new Thread(() -> {
                try {
                    tokens(deadline, stop);
                } catch (RuntimeException e) {
                    failures.add(e);
                }
            }, "infrakit-warm-up-tokens");
            signatures.setDaemon(true);
            signatures.start();
            for (Thread t : workers) {
                t.join();
            }
            signatures.join();
            if (!failures.isEmpty()) {
                Exception first = failures.get(0);
                throw first instanceof IOException ? first : new IOException(first.getMessage(), first);
            }
            return new Result(reads.get(), logins.get(), Duration.ofNanos(System.nanoTime() - start));
        } finally {
            client.stop();
        }
    }

    /**
     * Token signing and full verification (the signature and every claim check, no cache) in a loop, with a
     * throwaway ES256 key: the code every new token's first request runs, warmed without sign-ins.
     */
    private static void tokens(long deadline, BooleanSupplier stop) {
        SigningKey key = SigningKey.generate(JwsAlgorithm.ES256, "warm-up");
        TokenIssuer issuer = TokenIssuer.builder(key).issuer("warm-up").audience("warm-up").build();
        TokenVerifier verifier = TokenVerifier.builder(key.verificationKey()).issuer("warm-up").audience("warm-up")
                .build();
        while (System.nanoTime() < deadline && !stop.getAsBoolean()) {
            if (!verifier.verify(issuer.issue("warm-up", Set.of("user"))).ok()) {
                throw new IllegalStateException("warm-up: a token it signed did not verify");
            }
        }
    }

    private static String login(HttpClient client, String base, String body) throws Exception {
        ContentResponse r = client.newRequest(base + "/api/v1/auth/login").method(HttpMethod.POST)
                .body(new StringRequestContent("application/json", body)).timeout(10, TimeUnit.SECONDS).send();
        expect(r, 200, "sign in");
        JsonNode token = ApiCall.JSON.readTree(r.getContentAsString()).get("accessToken");
        if (token == null || !token.isTextual()) {
            throw new IOException("warm-up: the sign-in answer has no accessToken");
        }
        return token.asText();
    }

    private static void expect(ContentResponse r, int status, String what) throws IOException {
        if (r.getStatus() != status) {
            throw new IOException("warm-up: " + what + " answered HTTP " + r.getStatus() + " (expected " + status + "): "
                    + dev.infrakit.core.http.ClientText.forLog(r.getContentAsString(), 300));
        }
    }

    /**
     * Deletes what warm-ups of processes that were killed (SIGKILL, a crash) left: a directory whose throwaway
     * instance's {@link DataDirectoryLock} nobody holds (the operating system released it with its holder), or
     * one without that lock older than {@link #UNLOCKED_AGE}. A running warm-up, in this process or another,
     * holds its lock and is left alone. Best effort: what cannot be deleted stays.
     */
    static void removeAbandoned(Path temp) {
        List<Path> candidates;
        try (java.util.stream.Stream<Path> all = Files.list(temp)) {
            candidates = all.filter(p -> p.getFileName().toString().startsWith(PREFIX)
                    && Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)).toList();
        } catch (IOException e) {
            return;
        }
        for (Path dir : candidates) {
            try {
                if (Files.exists(dir.resolve(DataDirectoryLock.FILE))) {
                    DataDirectoryLock.acquire(dir).close(); // throws while an instance holds it
                } else if (Files.getLastModifiedTime(dir).toInstant().isAfter(java.time.Instant.now()
                        .minus(UNLOCKED_AGE))) {
                    continue; // a warm-up that has not started its instance yet
                }
                deleteTree(dir);
            } catch (IOException | RuntimeException e) {
                // held by a running warm-up, or not ours to delete
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (java.util.stream.Stream<Path> all = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) all.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (java.nio.file.NoSuchFileException e) {
            // already gone
        }
    }
}
