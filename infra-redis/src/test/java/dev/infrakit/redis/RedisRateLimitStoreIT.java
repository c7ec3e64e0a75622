package dev.infrakit.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.infrakit.core.health.HealthResult;
import dev.infrakit.core.health.HealthStatus;
import dev.infrakit.ratelimit.Decision;
import dev.infrakit.ratelimit.FailurePolicy;
import dev.infrakit.ratelimit.RateLimitPolicy;
import dev.infrakit.testkit.EphemeralRedis;
import dev.infrakit.testkit.TcpRelay;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisURI;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/**
 * What the Redis store promises beyond the store contract, tried on real servers: one EVALSHA per
 * decision and no other client command, a flushed script cache, subjects that are hostile as key
 * names, keys that expire once full, buckets too deep for exact arithmetic refused, exact limits
 * across several connections (instances), and each failure policy while the server is down and
 * after it is back.
 */
class RedisRateLimitStoreIT {

    private static Map<String, Long> commandCalls(EphemeralRedis redis) {
        Map<String, Long> calls = new HashMap<>();
        for (String line : redis.command("INFO", "commandstats").split("\r?\n")) {
            if (line.startsWith("cmdstat_")) {
                String name = line.substring("cmdstat_".length(), line.indexOf(':'));
                String stats = line.substring(line.indexOf(':') + 1);
                for (String field : stats.split(",")) {
                    if (field.startsWith("calls=")) {
                        calls.put(name, Long.parseLong(field.substring("calls=".length())));
                    }
                }
            }
        }
        return calls;
    }

    private static RedisRateLimitStore store(StatefulRedisConnection<String, String> connection, FailurePolicy policy,
            String prefix) {
        return RedisRateLimitStore.builder(connection).failurePolicy(policy).keyPrefix(prefix)
                .commandTimeout(Duration.ofSeconds(2)).retryInterval(Duration.ofMillis(200)).build();
    }

    @Test
    void eachDecisionIsOneEvalshaAndNoOtherClientCommand() {
        try (EphemeralRedis redis = EphemeralRedis.start()) {
            RedisClient client = TestRedis.client(redis);
            try (StatefulRedisConnection<String, String> connection = client.connect()) {
                RedisRateLimitStore store = store(connection, FailurePolicy.FAIL_CLOSED, "stats:");
                RateLimitPolicy policy = RateLimitPolicy.parse("api", "50/1h");
                store.tryAcquire(policy, "warm", 1); // loads the script (NOSCRIPT, then EVAL) on this fresh server
                redis.command("CONFIG", "RESETSTAT");
                int admitted = 0;
                for (int i = 0; i < 200; i++) {
                    if (store.tryAcquire(policy, "user-" + (i % 4), 1)) {
                        admitted++;
                    }
                }
                assertEquals(200, admitted, "4 keys × 50: every one admitted");
                for (int i = 0; i < 20; i++) {
                    assertFalse(store.acquire(policy, "user-0", 1, Duration.ZERO).allowed());
                }
                Map<String, Long> calls = commandCalls(redis);
                assertEquals(220L, calls.get("evalsha"), calls.toString());
                // Everything else counted ran inside the script (TIME, GET, SET), or is this test's own INFO / CONFIG RESETSTAT.
                for (String command : calls.keySet()) {
                    assertTrue(List.of("evalsha", "time", "get", "set", "info", "config|resetstat").contains(command),
                            "no other client command: " + calls);
                }
                assertEquals(220L, calls.get("time"), "the server's clock read once per decision");
                assertEquals(200L, calls.get("set"), "written only when admitting");
            } finally {
                client.shutdown();
            }
        }
    }

    @Test
    void aFlushedScriptCacheIsReloadedWithOneEvalAndDecisionsStayExact() {
        try (EphemeralRedis redis = EphemeralRedis.start()) {
            RedisClient client = TestRedis.client(redis);
            try (StatefulRedisConnection<String, String> connection = client.connect()) {
                RedisRateLimitStore store = store(connection, FailurePolicy.FAIL_CLOSED, "flush:");
                RateLimitPolicy policy = RateLimitPolicy.parse("api", "3/1h");
                assertTrue(store.tryAcquire(policy, "k", 1));
                long reloads = store.scriptReloads();
                redis.command("SCRIPT", "FLUSH");
                assertTrue(store.tryAcquire(policy, "k", 1));
                assertEquals(reloads + 1, store.scriptReloads());
                assertTrue(store.tryAcquire(policy, "k", 1));
                assertEquals(reloads + 1, store.scriptReloads(), "loaded again: EVALSHA works");
                assertFalse(store.tryAcquire(policy, "k", 1), "3 of 3 spent across the flush");
            } finally {
                client.shutdown();
            }
        }
    }

    @Test
    void hostileSubjectsBecomeFixedSizeHashedKeysAndExpireOnceFull() {
        EphemeralRedis redis = EphemeralRedis.shared();
        RedisClient client = TestRedis.client(redis);
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            String prefix = TestRedis.uniquePrefix();
            RedisRateLimitStore store = store(connection, FailurePolicy.FAIL_CLOSED, prefix);
            RateLimitPolicy policy = RateLimitPolicy.parse("hostile", "2/1s");
            List<String> subjects = List.of("nul\u0000byte", "line\r\nbreak *", "{hash-tag}", "x".repeat(100_000),
                    "emoji \ud83d\udd11", "");
            for (String subject : subjects) {
                assertTrue(store.tryAcquire(policy, subject, 1), subject.length() + " characters");
                assertTrue(store.tryAcquire(policy, subject, 1));
                assertFalse(store.tryAcquire(policy, subject, 1), "each subject its own bucket of 2");
            }
            List<String> keys = connection.sync().keys(prefix + "*");
            assertEquals(subjects.size(), keys.size(), keys.toString());
            for (String key : keys) {
                assertTrue(key.matches(java.util.regex.Pattern.quote(prefix) + "hostile:[A-Za-z0-9_-]{43}"), key);
                long ttl = connection.sync().pttl(key);
                assertTrue(ttl > 0 && ttl <= 1000, "expires when both tokens are back (≤ 1 s): " + ttl);
                assertFalse(connection.sync().get(key).contains("nul"), "the subject is never stored");
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!connection.sync().keys(prefix + "*").isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(List.of(), connection.sync().keys(prefix + "*"), "full buckets leave no key behind");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } finally {
            client.shutdown();
        }
    }

    @Test
    void bucketsDeeperThanExactArithmeticAllowsAreRefusedNamingTheLimit() {
        EphemeralRedis redis = EphemeralRedis.shared();
        RedisClient client = TestRedis.client(redis);
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            RedisRateLimitStore store = store(connection, FailurePolicy.FAIL_CLOSED, TestRedis.uniquePrefix());
            IllegalArgumentException deep = assertThrows(IllegalArgumentException.class,
                    () -> store.tryAcquire(RateLimitPolicy.parse("quarterly", "100/1m, 10/90d"), "k", 1));
            assertTrue(deep.getMessage().contains("limit 2") && deep.getMessage().contains("52 days"), deep.getMessage());
            assertTrue(store.tryAcquire(RateLimitPolicy.parse("monthly", "1000/30d"), "k", 1), "30 days fit");
            // A wait longer than the deepest bucket is as good as that much: a reservation far ahead works.
            Decision reserved = store.acquire(RateLimitPolicy.parse("slow", "1/30d"), "k", 1, Duration.ofDays(3650));
            assertTrue(reserved.allowed());
            Decision second = store.acquire(RateLimitPolicy.parse("slow", "1/30d"), "k", 1, Duration.ofDays(3650));
            assertTrue(second.allowed() && second.delayNanos() > Duration.ofDays(29).toNanos(), second.toString());
        } finally {
            client.shutdown();
        }
    }

    @Test
    void fourConnectionsOfEightThreadsAdmitExactlyTheLimitOnOneKeyAndOnAThousandKeys() throws Exception {
        EphemeralRedis redis = EphemeralRedis.shared();
        RedisClient client = TestRedis.client(redis);
        String prefix = TestRedis.uniquePrefix();
        List<StatefulRedisConnection<String, String>> connections = new ArrayList<>();
        ExecutorService threads = Executors.newFixedThreadPool(32);
        try {
            List<RedisRateLimitStore> stores = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                StatefulRedisConnection<String, String> connection = client.connect();
                connections.add(connection);
                stores.add(store(connection, FailurePolicy.FAIL_CLOSED, prefix));
            }
            RateLimitPolicy hot = RateLimitPolicy.parse("hot", "100/1h");
            AtomicInteger admitted = new AtomicInteger();
            List<Future<?>> work = new ArrayList<>();
            for (int t = 0; t < 32; t++) {
                RedisRateLimitStore store = stores.get(t % 4);
                work.add(threads.submit(() -> {
                    for (int i = 0; i < 25; i++) {
                        if (store.tryAcquire(hot, "one-key", 1)) {
                            admitted.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : work) {
                f.get(60, TimeUnit.SECONDS);
            }
            assertEquals(100, admitted.get(), "800 attempts on one key: exactly the limit");

            RateLimitPolicy spread = RateLimitPolicy.parse("spread", "3/1h");
            AtomicIntegerArray perKey = new AtomicIntegerArray(1000);
            work.clear();
            for (int t = 0; t < 32; t++) {
                RedisRateLimitStore store = stores.get(t % 4);
                int thread = t;
                work.add(threads.submit(() -> {
                    for (int i = 0; i < 1000; i++) {
                        int key = (i * 7 + thread * 31) % 1000;
                        if (store.tryAcquire(spread, "key-" + key, 1)) {
                            perKey.incrementAndGet(key);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : work) {
                f.get(120, TimeUnit.SECONDS);
            }
            for (int key = 0; key < 1000; key++) {
                assertEquals(3, perKey.get(key), "key " + key + ": 32 attempts, exactly 3 admitted");
            }
        } finally {
            threads.shutdownNow();
            connections.forEach(StatefulRedisConnection::close);
            client.shutdown();
        }
    }

    @Test
    void whileRedisIsDownEachFailurePolicyAnswersWithinTheTimeoutAndHealthSaysSo() throws Exception {
        try (EphemeralRedis redis = EphemeralRedis.start()) {
            RedisClient client = TestRedis.client(redis);
            try (StatefulRedisConnection<String, String> connection = client.connect()) {
                RedisRateLimitStore closed = store(connection, FailurePolicy.FAIL_CLOSED, "closed:");
                RedisRateLimitStore open = store(connection, FailurePolicy.FAIL_OPEN, "open:");
                RedisRateLimitStore local = RedisRateLimitStore.builder(connection)
                        .failurePolicy(FailurePolicy.LOCAL_FALLBACK).fallbackFraction(0.5).keyPrefix("local:")
                        .commandTimeout(Duration.ofSeconds(2)).retryInterval(Duration.ofMillis(200)).build();
                SimpleMeterRegistry meters = new SimpleMeterRegistry();
                closed.metrics().orElseThrow().bindTo(meters);
                RateLimitPolicy policy = RateLimitPolicy.parse("api", "10/1h");
                assertTrue(closed.tryAcquire(policy, "k", 1));
                assertEquals(HealthStatus.UP, closed.healthCheck().orElseThrow().check().status());

                redis.stop();
                long start = System.nanoTime();
                assertFalse(closed.tryAcquire(policy, "k", 1), "fail-closed refuses");
                assertTrue(open.tryAcquire(policy, "k", 1), "fail-open admits");
                int localAdmitted = 0;
                for (int i = 0; i < 10; i++) {
                    if (local.tryAcquire(policy, "k", 1)) {
                        localAdmitted++;
                    }
                }
                long took = System.nanoTime() - start;
                assertEquals(5, localAdmitted, "the local fallback grants half of 10");
                assertTrue(took < TimeUnit.SECONDS.toNanos(2 * 3), "no call waited past the 2 s timeout: " + took / 1_000_000 + " ms");
                assertTrue(closed.isUnavailable());
                HealthResult down = closed.healthCheck().orElseThrow().check();
                assertEquals(HealthStatus.DOWN, down.status());
                assertTrue(down.output().orElseThrow().contains("Redis unavailable"), down.toString());
                assertEquals(HealthStatus.DEGRADED, open.healthCheck().orElseThrow().check().status());
                assertEquals(HealthStatus.DEGRADED, local.healthCheck().orElseThrow().check().status());
                assertEquals(1.0, meters.get("infrakit.ratelimit.store.decisions").tag("store", "redis")
                        .tag("outcome", "failed-closed").functionCounter().count());

                redis.restart();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                boolean back = false;
                while (!back && System.nanoTime() < deadline) {
                    Thread.sleep(250);
                    back = closed.tryAcquire(policy, "again", 1) && !closed.isUnavailable();
                }
                assertTrue(back, "decisions go back to Redis by themselves once it answers");
                assertEquals(HealthStatus.UP, closed.healthCheck().orElseThrow().check().status());
                for (int i = 1; i < 10; i++) {
                    assertTrue(closed.tryAcquire(policy, "again", 1));
                }
                assertFalse(closed.tryAcquire(policy, "again", 1), "exact again: 10 of 10 on the restarted server");
            } finally {
                client.shutdown();
            }
        }
    }

    @Test
    void theScriptTimerStillCountsAfterItsBinderIsCollected() {
        EphemeralRedis redis = EphemeralRedis.shared();
        RedisClient client = TestRedis.client(redis);
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            RedisRateLimitStore store = store(connection, FailurePolicy.FAIL_CLOSED, TestRedis.uniquePrefix());
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            store.metrics().orElseThrow().bindTo(meters); // the binder is dropped here, as Boot drops it
            for (int i = 0; i < 5; i++) {
                System.gc(); // Micrometer holds a function meter's state weakly: it must not be the binder
            }
            RateLimitPolicy policy = RateLimitPolicy.parse("timed", "10/1h");
            for (int i = 0; i < 3; i++) {
                store.tryAcquire(policy, "k", 1);
            }
            assertEquals(3.0, meters.get("infrakit.ratelimit.store.statement").tag("store", "redis").functionTimer().count());
            assertEquals(3.0, meters.get("infrakit.ratelimit.store.decisions").tag("store", "redis").tag("outcome", "allowed")
                    .functionCounter().count());
        } finally {
            client.shutdown();
        }
    }

    @Test
    void aNetworkStallLongerThanTheTimeoutIsAnsweredByThePolicyAndNothingIsAdmittedBeyondTheLimitAfter() throws Exception {
        try (EphemeralRedis redis = EphemeralRedis.start(); TcpRelay relay = TcpRelay.start(redis.port())) {
            RedisClient client = RedisClient.create(RedisURI.create("redis://127.0.0.1:" + relay.port()));
            client.setOptions(ClientOptions.builder()
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS).build());
            try (StatefulRedisConnection<String, String> connection = client.connect()) {
                RedisRateLimitStore store = RedisRateLimitStore.builder(connection).failurePolicy(FailurePolicy.FAIL_CLOSED)
                        .keyPrefix("stall:").commandTimeout(Duration.ofMillis(300)).retryInterval(Duration.ofMillis(200))
                        .build();
                RateLimitPolicy policy = RateLimitPolicy.parse("api", "5/1h");
                assertTrue(store.tryAcquire(policy, "k", 1));
                assertTrue(store.tryAcquire(policy, "k", 1));

                relay.pause(); // the network stops delivering; the connection stays open
                long stallEnds = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
                int answered = 0;
                while (System.nanoTime() < stallEnds) {
                    long call = System.nanoTime();
                    assertFalse(store.tryAcquire(policy, "k", 1), "fail-closed refuses while Redis cannot answer");
                    long tookMillis = (System.nanoTime() - call) / 1_000_000;
                    assertTrue(tookMillis < 300 + 200, "answered within the 300 ms timeout (and scheduling): " + tookMillis);
                    answered++;
                    Thread.sleep(50);
                }
                assertTrue(answered > 5);
                assertEquals(HealthStatus.DOWN, store.healthCheck().orElseThrow().check().status());

                relay.resume();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (store.isUnavailable() && System.nanoTime() < deadline) {
                    store.tryAcquire(policy, "other", 1);
                    Thread.sleep(50);
                }
                assertFalse(store.isUnavailable(), "decisions go back to Redis once the network delivers again");
                int admittedAfter = 0;
                for (int i = 0; i < 10; i++) {
                    if (store.tryAcquire(policy, "k", 1)) {
                        admittedAfter++;
                    }
                }
                // The probes sent during the stall reach Redis once it delivers and may spend tokens:
                // never more than the limit in all, possibly fewer.
                assertTrue(2 + admittedAfter <= 5, "never beyond 5 in all: 2 before, " + admittedAfter + " after");
            } finally {
                client.shutdown();
            }
        }
    }

    @Test
    void resetForgetsOneKeyAndFailsLoudlyWhileRedisIsDown() {
        try (EphemeralRedis redis = EphemeralRedis.start()) {
            RedisClient client = TestRedis.client(redis);
            try (StatefulRedisConnection<String, String> connection = client.connect()) {
                RedisRateLimitStore store = store(connection, FailurePolicy.FAIL_OPEN, "reset:");
                RateLimitPolicy policy = RateLimitPolicy.parse("login", "1/1h");
                assertTrue(store.tryAcquire(policy, "alice", 1));
                assertTrue(store.tryAcquire(policy, "bob", 1));
                assertFalse(store.tryAcquire(policy, "alice", 1));
                store.reset(policy, "alice");
                assertTrue(store.tryAcquire(policy, "alice", 1), "alice's bucket is full again");
                assertFalse(store.tryAcquire(policy, "bob", 1), "bob's untouched");
                redis.stop();
                assertThrows(dev.infrakit.ratelimit.RateLimitException.class, () -> store.reset(policy, "alice"));
            } finally {
                client.shutdown();
            }
        }
    }
}
