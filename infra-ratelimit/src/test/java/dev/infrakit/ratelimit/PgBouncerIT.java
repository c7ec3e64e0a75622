package dev.infrakit.ratelimit;

import com.zaxxer.hikari.HikariDataSource;
import dev.infrakit.core.Config;
import dev.infrakit.core.DataSources;
import dev.infrakit.testkit.EphemeralPostgresExtension;
import dev.infrakit.testkit.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The PostgreSQL store through a real PgBouncer in transaction pooling mode, with fewer server
 * connections than client connections, so consecutive calls of one client land on different
 * server sessions. PgBouncer 1.18 (Debian 12) predates prepared-statement support, hence
 * {@code prepareThreshold=0}, as the store's documentation says.
 */
@ExtendWith(EphemeralPostgresExtension.class)
class PgBouncerIT {

    private static Path pgbouncer() {
        for (String candidate : List.of("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer", "/usr/local/bin/pgbouncer")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return Path.of(candidate);
            }
        }
        return fail("PgBouncer is not installed; install it (apt-get install pgbouncer) to run this test");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void decisionsStayExactThroughTransactionPooling(TestDatabase db, @TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectories(Path.of("/tmp", "infrakit-pgbouncer-" + ProcessHandle.current().pid()));
        boolean root = "root".equals(System.getProperty("user.name"));
        int port = freePort();
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.writeString(dir.resolve("userlist.txt"), "\"" + db.username() + "\" \"" + db.password() + "\"\n");
        Files.writeString(dir.resolve("pgbouncer.ini"), String.join("\n",
                "[databases]",
                "rl = host=127.0.0.1 port=" + db.server().port() + " dbname=" + db.name(),
                "[pgbouncer]",
                "listen_addr = 127.0.0.1",
                "listen_port = " + port,
                "unix_socket_dir =",
                "auth_type = plain",
                "auth_file = " + dir.resolve("userlist.txt"),
                "pool_mode = transaction",
                "default_pool_size = 2",
                "max_client_conn = 50",
                "ignore_startup_parameters = extra_float_digits",
                "pidfile = " + dir.resolve("pgbouncer.pid"),
                ""), StandardCharsets.UTF_8);
        List<String> command = new ArrayList<>(List.of(pgbouncer().toString()));
        if (root) {
            command.add("-u");
            command.add("postgres");
        }
        command.add(dir.resolve("pgbouncer.ini").toString());
        Process bouncer = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("pgbouncer.log").toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (true) {
                try (Socket probe = new Socket(InetAddress.getLoopbackAddress(), port)) {
                    if (probe.isConnected()) {
                        break;
                    }
                } catch (IOException notYet) {
                    if (!bouncer.isAlive() || System.nanoTime() > deadline) {
                        fail("PgBouncer did not start: " + Files.readString(tmp.resolve("pgbouncer.log")));
                    }
                    Thread.onSpinWait();
                }
            }
            String url = "jdbc:postgresql://127.0.0.1:" + port + "/rl?prepareThreshold=0";
            try (HikariDataSource pool = DataSources.create(Config.of(Map.of("url", url, "username", db.username(),
                    "password", db.password(), "pool-size", "6")));
                 PostgresRateLimitStore store = PostgresRateLimitStore.builder(pool).failurePolicy(FailurePolicy.FAIL_CLOSED)
                         .statementTimeout(Duration.ofSeconds(10)).build()) {
                store.createSchema();
                RateLimitPolicy policy = RateLimitPolicy.parse("bounced", "100/1h, 150/1d");
                ExecutorService threads = Executors.newFixedThreadPool(6);
                try {
                    List<Future<int[]>> results = new ArrayList<>();
                    for (int t = 0; t < 6; t++) {
                        results.add(threads.submit((Callable<int[]>) () -> {
                            int[] admitted = new int[3];
                            for (int i = 0; i < 60; i++) {
                                for (int k = 0; k < 3; k++) {
                                    if (store.tryAcquire(policy, "key-" + k, 1)) {
                                        admitted[k]++;
                                    }
                                }
                            }
                            return admitted;
                        }));
                    }
                    int[] total = new int[3];
                    for (Future<int[]> f : results) {
                        int[] a = f.get(2, TimeUnit.MINUTES);
                        for (int k = 0; k < 3; k++) {
                            total[k] += a[k];
                        }
                    }
                    for (int k = 0; k < 3; k++) {
                        assertEquals(100, total[k], "key-" + k);
                    }
                    assertFalse(store.isUnavailable(), "no call failed through PgBouncer");
                } finally {
                    threads.shutdownNow();
                }
            }
        } finally {
            bouncer.destroy();
            if (!bouncer.waitFor(10, TimeUnit.SECONDS)) {
                bouncer.destroyForcibly();
            }
            for (String f : List.of("userlist.txt", "pgbouncer.ini", "pgbouncer.pid")) {
                Files.deleteIfExists(dir.resolve(f));
            }
            Files.deleteIfExists(dir);
        }
    }
}
