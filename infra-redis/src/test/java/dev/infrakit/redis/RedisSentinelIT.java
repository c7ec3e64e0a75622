package dev.infrakit.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.infrakit.core.Config;
import dev.infrakit.core.Providers;
import dev.infrakit.core.health.HealthCheck;
import dev.infrakit.core.health.HealthStatus;
import dev.infrakit.ratelimit.RateLimitPolicy;
import dev.infrakit.ratelimit.RateLimitStore;
import dev.infrakit.ratelimit.RateLimitStoreProvider;
import dev.infrakit.testkit.EphemeralRedis;
import dev.infrakit.testkit.EphemeralRedisException;
import dev.infrakit.testkit.EphemeralRedisSentinel;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A Sentinel-managed primary through Lettuce's {@code redis-sentinel://} URI, once, with one
 * primary, one replica and three sentinels started locally: decisions go to the primary the
 * sentinels name; when it is stopped, every decision is answered within the command timeout (failing
 * closed: refused) and health is DOWN until the sentinels promote the replica; then the store
 * follows the new primary and admits exactly what is left of the budget, never more.
 */
class RedisSentinelIT {

    private static long replicationOffset(EphemeralRedis server) {
        return server.command("INFO", "replication").lines().filter(l -> l.startsWith("master_repl_offset:"))
                .mapToLong(l -> Long.parseLong(l.substring("master_repl_offset:".length()).strip())).findFirst()
                .orElseThrow();
    }

    @Test
    void throughTheSentinelsAndAcrossAFailoverNothingIsAdmittedBeyondTheLimit() throws Exception {
        try (EphemeralRedisSentinel deployment = EphemeralRedisSentinel.start()) {
            Config config = Config.of(Map.of("infrakit.ratelimit.store", "redis", "infrakit.ratelimit.redis.uri",
                    deployment.uri(), "infrakit.ratelimit.redis.on-failure", "fail-closed",
                    "infrakit.ratelimit.redis.command-timeout", "500ms", "infrakit.ratelimit.redis.retry-interval", "200ms",
                    "infrakit.ratelimit.redis.key-prefix", TestRedis.uniquePrefix()));
            try (RateLimitStore store = Providers.load(RateLimitStoreProvider.class, config)) {
                HealthCheck health = store.healthCheck().orElseThrow();
                RateLimitPolicy policy = RateLimitPolicy.parse("api", "10/1h");
                for (int i = 0; i < 6; i++) {
                    assertTrue(store.tryAcquire(policy, "alice", 1), "decision " + i);
                }
                assertEquals(HealthStatus.UP, health.check().status());

                EphemeralRedis old = deployment.primary();
                EphemeralRedis replica = deployment.servers().stream().filter(s -> s != old).findFirst().orElseThrow();
                // Replication is asynchronous: the test stops the primary once the replica has its writes,
                // as a planned failover would (an unplanned one can lose the last writes: README).
                long until = System.nanoTime() + 10_000_000_000L;
                while (replicationOffset(replica) < replicationOffset(old) && System.nanoTime() < until) {
                    Thread.sleep(20);
                }
                old.stop();

                int admitted = 6;
                int refusedWhileAway = 0;
                boolean sawDown = false;
                long deadline = System.nanoTime() + 60_000_000_000L;
                while (System.nanoTime() < deadline) {
                    long started = System.nanoTime();
                    boolean allowed = store.tryAcquire(policy, "alice", 1);
                    long tookMillis = (System.nanoTime() - started) / 1_000_000;
                    assertTrue(tookMillis < 2_000, "a decision took " + tookMillis + " ms: no caller hangs past the timeout");
                    if (allowed) {
                        admitted++;
                    } else if (admitted == 6) {
                        refusedWhileAway++;
                        sawDown |= health.check().status() == HealthStatus.DOWN;
                    } else {
                        break; // refused after admitting again: the budget is spent
                    }
                    Thread.sleep(admitted == 6 ? 50 : 0);
                }
                assertEquals(10, admitted, "exactly the budget across the failover, never more");
                assertTrue(refusedWhileAway > 0, "failing closed while no primary answers");
                assertTrue(sawDown, "health is DOWN while failing closed");
                assertEquals(replica, deployment.awaitPromotion(old, Duration.ofSeconds(30)), "the replica was promoted");
                assertFalse(store.tryAcquire(policy, "alice", 1));
                assertEquals(HealthStatus.UP, health.check().status());
            }
        } catch (EphemeralRedisException e) {
            throw new AssertionError("Redis Sentinel could not be run: " + e.getMessage(), e);
        }
    }
}
