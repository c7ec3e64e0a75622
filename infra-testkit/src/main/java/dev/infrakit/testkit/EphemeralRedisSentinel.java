package dev.infrakit.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real, throwaway Sentinel-managed Redis for tests: one primary, one replica and three
 * {@code redis-sentinel} processes (Debian's {@code redis-sentinel} package) watching them under the
 * name {@link #PRIMARY_NAME} with a quorum of two and a one-second down-after time, so a stopped
 * primary's replica is promoted within seconds. Ready once the replica has synced and every sentinel
 * knows the replica and the two other sentinels. Every process dies with its JVM, as
 * {@link EphemeralRedis} does.
 *
 * <p>Clients connect through {@link #uri()}, Lettuce's
 * {@code redis-sentinel://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3#infrakit}: they ask the sentinels
 * where the primary is. Fault tests stop {@link #primary()} and wait for the promotion with
 * {@link #awaitPromotion(EphemeralRedis, Duration)}.
 */
public final class EphemeralRedisSentinel implements AutoCloseable {
    /** The name the sentinels know the primary by. */
    public static final String PRIMARY_NAME = "infrakit";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    private final List<EphemeralRedis> servers;
    private final List<EphemeralRedis> sentinels;

    private EphemeralRedisSentinel(List<EphemeralRedis> servers, List<EphemeralRedis> sentinels) {
        this.servers = List.copyOf(servers);
        this.sentinels = List.copyOf(sentinels);
    }

    /**
     * Starts the primary, its replica and three sentinels, which the caller closes.
     *
     * @return the running deployment, the replica synced and known to every sentinel
     * @throws EphemeralRedisException if it cannot be started (it says how to install what is missing)
     */
    public static EphemeralRedisSentinel start() {
        List<EphemeralRedis> servers = new ArrayList<>();
        List<EphemeralRedis> sentinels = new ArrayList<>();
        try {
            EphemeralRedis primary = EphemeralRedis.start();
            servers.add(primary);
            servers.add(EphemeralRedis.start(List.of("--replicaof", primary.host(), Integer.toString(primary.port()))));
            for (int i = 0; i < 3; i++) {
                sentinels.add(EphemeralRedis.startSentinel(List.of(
                        "sentinel monitor " + PRIMARY_NAME + " " + primary.host() + " " + primary.port() + " 2",
                        "sentinel down-after-milliseconds " + PRIMARY_NAME + " 1000",
                        "sentinel failover-timeout " + PRIMARY_NAME + " 10000",
                        "sentinel parallel-syncs " + PRIMARY_NAME + " 1")));
            }
            EphemeralRedisSentinel deployment = new EphemeralRedisSentinel(servers, sentinels);
            deployment.awaitReady(READY_TIMEOUT);
            return deployment;
        } catch (RuntimeException e) {
            sentinels.forEach(EphemeralRedis::close);
            servers.forEach(EphemeralRedis::close);
            throw e;
        }
    }

    /** Lettuce's URI of the deployment: the three sentinels and {@link #PRIMARY_NAME}. */
    public String uri() {
        StringBuilder uri = new StringBuilder("redis-sentinel://");
        for (int i = 0; i < sentinels.size(); i++) {
            uri.append(i == 0 ? "" : ",").append(sentinels.get(i).host()).append(':').append(sentinels.get(i).port());
        }
        return uri.append('#').append(PRIMARY_NAME).toString();
    }

    /** The two data servers (the first started as primary, the second as its replica). */
    public List<EphemeralRedis> servers() {
        return servers;
    }

    /** The three sentinels. */
    public List<EphemeralRedis> sentinels() {
        return sentinels;
    }

    /**
     * The server the sentinels name as primary now.
     *
     * @throws EphemeralRedisException if no running sentinel names one of the two servers
     */
    public EphemeralRedis primary() {
        for (EphemeralRedis sentinel : sentinels) {
            if (!sentinel.isRunning()) {
                continue;
            }
            String[] address = sentinel.command("SENTINEL", "get-master-addr-by-name", PRIMARY_NAME).split("\r?\n");
            for (EphemeralRedis server : servers) {
                if (address.length == 2 && address[1].strip().equals(Integer.toString(server.port()))) {
                    return server;
                }
            }
        }
        throw new EphemeralRedisException("No sentinel names a primary of " + this);
    }

    /**
     * Waits until the sentinels have promoted another server than {@code old} and it reports
     * {@code role:master}.
     *
     * @return the new primary
     * @throws EphemeralRedisException if that does not happen within {@code timeout}
     */
    public EphemeralRedis awaitPromotion(EphemeralRedis old, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            try {
                EphemeralRedis now = primary();
                if (now != old && now.isRunning() && now.command("INFO", "replication").contains("role:master")) {
                    return now;
                }
                last = "the sentinels name port " + now.port();
            } catch (EphemeralRedisException e) {
                last = e.getMessage();
            }
            pause();
        }
        throw new EphemeralRedisException("No replica was promoted within " + timeout + ": " + last);
    }

    /** Stops every process and deletes their directories. Idempotent. */
    @Override
    public void close() {
        sentinels.forEach(EphemeralRedis::close);
        servers.forEach(EphemeralRedis::close);
    }

    @Override
    public String toString() {
        return "EphemeralRedisSentinel[" + uri() + "]";
    }

    private void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            try {
                String replication = servers.get(1).command("INFO", "replication");
                boolean ready = replication.contains("master_link_status:up");
                last = "replica link " + (ready ? "up" : "down");
                for (EphemeralRedis sentinel : sentinels) {
                    String known = sentinel.command("SENTINEL", "master", PRIMARY_NAME);
                    boolean knowsAll = field(known, "num-slaves").equals("1") && field(known, "num-other-sentinels").equals("2");
                    ready &= knowsAll;
                    if (!knowsAll) {
                        last = "sentinel " + sentinel.port() + ": replicas " + field(known, "num-slaves") + ", other sentinels "
                                + field(known, "num-other-sentinels");
                    }
                }
                if (ready) {
                    return;
                }
            } catch (EphemeralRedisException e) {
                last = e.getMessage();
            }
            pause();
        }
        throw new EphemeralRedisException("The Sentinel deployment is not ready after " + timeout + ": " + last);
    }

    /** The value after {@code name} in a reply of alternating names and values, one per line. */
    private static String field(String reply, String name) {
        List<String> lines = reply.lines().map(String::strip).toList();
        for (int i = 0; i + 1 < lines.size(); i += 2) {
            if (lines.get(i).equals(name)) {
                return lines.get(i + 1);
            }
        }
        return "";
    }

    private static void pause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EphemeralRedisException("Interrupted while waiting for the sentinels", e);
        }
    }
}
