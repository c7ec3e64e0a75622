package dev.infrakit.testkit;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real, throwaway Redis Cluster for tests: three primaries with one replica each, six
 * {@link EphemeralRedis} servers started with {@code --cluster-enabled yes} and a low
 * {@code cluster-node-timeout} (1 s, so a killed primary's replica is promoted within seconds),
 * joined by {@code redis-cli --cluster create … --cluster-replicas 1}; ready once every node reports
 * {@code cluster_state:ok} and every replica's link to its primary is up (first sync done). Every node dies with its JVM, as {@link EphemeralRedis} does.
 *
 * <p>{@link #shared()} is the JVM's one cluster (tests keep apart by key prefix); {@link #start()}
 * a dedicated one, for fault tests that stop a primary ({@link #primaryServing(int)},
 * {@link EphemeralRedis#stop()}) and wait for its replica's promotion ({@link #awaitOk(Duration)}).
 * Thread-safe.
 */
public final class EphemeralRedisCluster implements AutoCloseable {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static volatile EphemeralRedisCluster shared;

    private final List<EphemeralRedis> nodes;

    private EphemeralRedisCluster(List<EphemeralRedis> nodes) {
        this.nodes = List.copyOf(nodes);
    }

    /**
     * The JVM's shared cluster, started on first call. Do not stop its nodes: other test classes
     * use it.
     *
     * @return the shared cluster
     * @throws EphemeralRedisException if it cannot be started
     */
    public static EphemeralRedisCluster shared() {
        EphemeralRedisCluster c = shared;
        if (c == null) {
            synchronized (EphemeralRedisCluster.class) {
                c = shared;
                if (c == null) {
                    c = start();
                    shared = c;
                }
            }
        }
        return c;
    }

    /**
     * Starts a dedicated cluster, which the caller closes.
     *
     * @return the running cluster, {@code cluster_state:ok} on every node
     * @throws EphemeralRedisException if it cannot be started
     */
    public static EphemeralRedisCluster start() {
        List<EphemeralRedis> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < 6; i++) {
                nodes.add(EphemeralRedis.start(List.of("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                        "--cluster-node-timeout", "1000", "--cluster-replica-validity-factor", "0")));
            }
            List<String> command = new ArrayList<>(List.of(EphemeralRedis.sibling("redis-cli").toString(), "--cluster", "create"));
            for (EphemeralRedis node : nodes) {
                command.add(node.host() + ":" + node.port());
            }
            command.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
            run(command);
            EphemeralRedisCluster cluster = new EphemeralRedisCluster(nodes);
            cluster.awaitOk(READY_TIMEOUT);
            return cluster;
        } catch (RuntimeException e) {
            nodes.forEach(EphemeralRedis::close);
            throw e;
        }
    }

    /** The six nodes, primaries and replicas. */
    public List<EphemeralRedis> nodes() {
        return nodes;
    }

    /** The nodes as Redis URIs ({@code redis://127.0.0.1:<port>}), the seeds a cluster client starts from. */
    public List<String> uris() {
        return nodes.stream().map(EphemeralRedis::uri).toList();
    }

    /**
     * The running node that is currently the primary serving {@code slot}.
     *
     * @param slot a hash slot, 0 to 16383
     * @return that primary
     * @throws EphemeralRedisException if no running node serves it
     */
    public EphemeralRedis primaryServing(int slot) {
        for (EphemeralRedis node : nodes) {
            if (!node.isRunning()) {
                continue;
            }
            for (String line : node.command("CLUSTER", "NODES").split("\n")) {
                String[] fields = line.split(" ");
                if (fields.length < 9 || !fields[2].contains("myself") || !fields[2].contains("master")) {
                    continue;
                }
                for (int i = 8; i < fields.length; i++) {
                    String[] range = fields[i].split("-");
                    if (range[0].startsWith("[")) {
                        continue; // a slot being migrated
                    }
                    int from = Integer.parseInt(range[0]);
                    int to = range.length > 1 ? Integer.parseInt(range[1]) : from;
                    if (slot >= from && slot <= to) {
                        return node;
                    }
                }
            }
        }
        throw new EphemeralRedisException("No running primary serves slot " + slot);
    }

    /** The running nodes that are primaries now. */
    public List<EphemeralRedis> primaries() {
        List<EphemeralRedis> primaries = new ArrayList<>();
        for (EphemeralRedis node : nodes) {
            if (node.isRunning() && node.command("ROLE").startsWith("master")) {
                primaries.add(node);
            }
        }
        return primaries;
    }

    /**
     * The hash slot of {@code key}, as the cluster computes it ({@code CLUSTER KEYSLOT}).
     *
     * @param key any key
     * @return its slot
     */
    public int slotOf(String key) {
        return Integer.parseInt(firstRunning().orElseThrow(() -> new EphemeralRedisException("no node is running"))
                .command("CLUSTER", "KEYSLOT", key));
    }

    /**
     * Waits until every running node reports {@code cluster_state:ok} and three primaries serve all
     * 16384 slots (after a primary was stopped: its replica promoted).
     *
     * @param timeout how long to wait
     * @throws EphemeralRedisException if it is not so within {@code timeout}
     */
    public void awaitOk(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            boolean ok = true;
            for (EphemeralRedis node : nodes) {
                if (!node.isRunning()) {
                    continue;
                }
                try {
                    String info = node.command("CLUSTER", "INFO");
                    last = node.port() + ": " + info.lines().filter(l -> l.startsWith("cluster_state")
                            || l.startsWith("cluster_slots_ok")).toList();
                    if (!info.contains("cluster_state:ok") || !info.contains("cluster_slots_ok:16384")) {
                        ok = false;
                        break;
                    }
                } catch (EphemeralRedisException e) {
                    ok = false;
                    last = e.getMessage();
                    break;
                }
            }
            if (ok && primaries().size() == 3 && replicasInSync()) {
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new EphemeralRedisException("Interrupted while waiting for the cluster", e);
            }
        }
        throw new EphemeralRedisException("The Redis Cluster is not ok after " + timeout + ": " + last);
    }

    /** Whether every running replica's link to its primary is up (its first sync done), so writes reach it. */
    private boolean replicasInSync() {
        for (EphemeralRedis node : nodes) {
            if (!node.isRunning()) {
                continue;
            }
            String replication = node.command("INFO", "replication");
            if (replication.contains("role:slave") && !replication.contains("master_link_status:up")) {
                return false;
            }
        }
        return true;
    }

    /** Stops every node and deletes their directories. Idempotent. */
    @Override
    public void close() {
        nodes.forEach(EphemeralRedis::close);
    }

    @Override
    public String toString() {
        return "EphemeralRedisCluster" + uris();
    }

    private Optional<EphemeralRedis> firstRunning() {
        return nodes.stream().filter(EphemeralRedis::isRunning).findFirst();
    }

    private static void run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new EphemeralRedisException("redis-cli --cluster create failed: " + output.strip());
            }
        } catch (java.io.IOException e) {
            throw new EphemeralRedisException("Could not run " + command.get(0) + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EphemeralRedisException("Interrupted while creating the cluster", e);
        }
    }
}
