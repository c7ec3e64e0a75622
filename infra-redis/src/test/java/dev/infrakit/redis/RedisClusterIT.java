package dev.infrakit.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.infrakit.core.health.HealthStatus;
import dev.infrakit.ratelimit.FailurePolicy;
import dev.infrakit.ratelimit.RateLimitPolicy;
import dev.infrakit.testkit.EphemeralRedis;
import dev.infrakit.testkit.EphemeralRedisCluster;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The Redis store on a real Redis Cluster (three primaries, three replicas): keys spread over the
 * slots, limits exact across four JVMs of eight threads each, and a primary killed and its replica
 * promoted while decisions go on.
 */
class RedisClusterIT {

    /** Runs four JVMs of {@link ClusterLoadMain} together and returns what each printed. */
    private static List<String> fourInstances(EphemeralRedisCluster cluster, String mode, String prefix) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        long startAt = System.currentTimeMillis() + 4_000; // every JVM started and connected by then
        List<Process> processes = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                processes.add(new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                        ClusterLoadMain.class.getName(), mode, Long.toString(startAt), prefix, String.join(",", cluster.uris()))
                        .redirectErrorStream(true).start());
            }
            List<String> results = new ArrayList<>();
            for (Process process : processes) {
                StringBuilder output = new StringBuilder();
                String result = null;
                try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                        output.append(line).append('\n');
                        if (line.startsWith("ADMITTED ") || line.startsWith("PER-KEY ")) {
                            result = line;
                        }
                    }
                }
                assertTrue(process.waitFor(180, TimeUnit.SECONDS), "an instance did not finish");
                assertEquals(0, process.exitValue(), output.toString());
                assertTrue(result != null, "an instance printed no result:\n" + output);
                results.add(result);
            }
            return results;
        } finally {
            processes.forEach(Process::destroyForcibly);
        }
    }

    @Test
    void fourJvmsOfEightThreadsAdmitExactlyTheLimitOnOneKeyAndOnAThousandKeysSpreadOverTheSlots() throws Exception {
        EphemeralRedisCluster cluster = EphemeralRedisCluster.shared();
        String prefix = TestRedis.uniquePrefix();
        int admitted = 0;
        for (String result : fourInstances(cluster, "one", prefix)) {
            admitted += Integer.parseInt(result.substring("ADMITTED ".length()));
        }
        assertEquals(100, admitted, "4 JVMs × 8 threads × 25 attempts on one key of 100/h");

        int[] perKey = new int[1000];
        for (String result : fourInstances(cluster, "spread", prefix)) {
            String[] counts = result.substring("PER-KEY ".length()).split(",");
            for (int key = 0; key < 1000; key++) {
                perKey[key] += Integer.parseInt(counts[key]);
            }
        }
        for (int key = 0; key < 1000; key++) {
            assertEquals(3, perKey[key], "key " + key + ": 32 attempts from 4 JVMs, exactly 3 admitted");
        }
        // The 1,000 keys landed on every primary: no hash tag pins them to one node.
        Set<String> primaries = new HashSet<>();
        RedisClusterClient client = TestRedis.clusterClient(cluster);
        try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
            RedisRateLimitStore naming = RedisRateLimitStore.builder(connection).failurePolicy(FailurePolicy.FAIL_CLOSED)
                    .keyPrefix(prefix).build();
            for (int key = 0; key < 1000; key += 37) {
                primaries.add(cluster.primaryServing(cluster.slotOf(naming.redisKey("spread", "key-" + key))).uri());
            }
        } finally {
            client.shutdown();
        }
        assertEquals(3, primaries.size(), "keys on all three primaries: " + primaries);
    }

    @Test
    void aKilledPrimaryIsReplacedByItsReplicaAndDecisionsGoOnExactly() throws Exception {
        try (EphemeralRedisCluster cluster = EphemeralRedisCluster.start()) {
            RedisClusterClient client = TestRedis.clusterClient(cluster);
            try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
                RedisRateLimitStore store = RedisRateLimitStore.builder(connection).failurePolicy(FailurePolicy.FAIL_CLOSED)
                        .keyPrefix("failover:").commandTimeout(Duration.ofSeconds(1)).retryInterval(Duration.ofMillis(200))
                        .build();
                RateLimitPolicy policy = RateLimitPolicy.parse("api", "10/1h");
                for (int i = 0; i < 5; i++) {
                    assertTrue(store.tryAcquire(policy, "k", 1));
                }
                Thread.sleep(500); // the replica has the five writes (asynchronous replication, idle cluster)
                String key = store.redisKey("api", "k");
                EphemeralRedis primary = cluster.primaryServing(cluster.slotOf(key));
                String before = primary.command("GET", key);
                primary.stop();

                long start = System.nanoTime();
                int refusedWhileFailingOver = 0;
                boolean back = false;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!back && System.nanoTime() < deadline) {
                    long call = System.nanoTime();
                    boolean admitted = store.tryAcquire(policy, "k", 1);
                    assertTrue(System.nanoTime() - call < TimeUnit.SECONDS.toNanos(3), "no call waits past the timeout");
                    if (admitted) {
                        back = true;
                    } else {
                        refusedWhileFailingOver++;
                        assertTrue(store.isUnavailable(), "refused only by the failure policy while failing over");
                        Thread.sleep(100);
                    }
                }
                assertTrue(back, "decisions resume on the promoted replica");
                assertTrue(refusedWhileFailingOver > 0, "the failover was seen");
                cluster.awaitOk(Duration.ofSeconds(30));
                String after = cluster.primaryServing(cluster.slotOf(key)).command("GET", key);
                String states = "state before the failover " + before + ", on the promoted replica " + after;
                for (int i = 0; i < 4; i++) {
                    assertTrue(store.tryAcquire(policy, "k", 1), "the five before the failover still count: " + i);
                }
                assertFalse(store.tryAcquire(policy, "k", 1), "exactly 10 across the failover; " + states);
                assertEquals(HealthStatus.UP, store.healthCheck().orElseThrow().check().status());
                assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(60));
            } finally {
                client.shutdown();
            }
        }
    }
}
