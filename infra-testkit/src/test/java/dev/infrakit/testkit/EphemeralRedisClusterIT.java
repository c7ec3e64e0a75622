package dev.infrakit.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The Redis Cluster fixture: six nodes, three primaries serving all slots, a replica promoted when its primary stops. */
class EphemeralRedisClusterIT {

    @Test
    void theSharedClusterServesEverySlotFromThreePrimaries() {
        EphemeralRedisCluster cluster = EphemeralRedisCluster.shared();
        assertSame(cluster, EphemeralRedisCluster.shared());
        assertEquals(6, cluster.nodes().size());
        assertEquals(3, cluster.primaries().size());
        assertEquals(12182, cluster.slotOf("foo"), "CLUSTER KEYSLOT as Redis computes it");
        assertNotEquals(cluster.primaryServing(0).port(), cluster.primaryServing(16383).port(),
                "the first and last slots on different primaries");
        for (EphemeralRedis node : cluster.nodes()) {
            assertTrue(node.command("CLUSTER", "INFO").contains("cluster_state:ok"), node.toString());
        }
    }

    @Test
    void aStoppedPrimaryIsReplacedByItsReplica() {
        try (EphemeralRedisCluster cluster = EphemeralRedisCluster.start()) {
            EphemeralRedis primary = cluster.primaryServing(0);
            primary.stop();
            cluster.awaitOk(Duration.ofSeconds(30));
            EphemeralRedis promoted = cluster.primaryServing(0);
            assertNotEquals(primary.port(), promoted.port());
            assertEquals(3, cluster.primaries().size());
        }
    }
}
