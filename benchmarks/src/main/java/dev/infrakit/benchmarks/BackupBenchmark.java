package dev.infrakit.benchmarks;

import dev.infrakit.backup.BackupKind;
import dev.infrakit.backup.BackupRunner;
import dev.infrakit.backup.DrillResult;
import dev.infrakit.backup.LocalBackupRepository;
import dev.infrakit.backup.Manifest;
import dev.infrakit.backup.PostgresBackupSource;
import dev.infrakit.backup.RestoreDrill;
import dev.infrakit.backup.RetentionPolicy;
import dev.infrakit.testkit.EphemeralPostgres;
import dev.infrakit.testkit.TestDatabase;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Backup and restore-drill wall time on a generated database (pgbench, default scale 67, about
 * 1 GB), side by side with the bare tools: Infrakit's {@link BackupRunner} (row counts in the dump's
 * snapshot, pg_dump -Fc streamed through SHA-256 into a staging file, fsync, publish, read-back
 * verification) against {@code pg_dump -Fc -f file}; {@link RestoreDrill} (scratch database,
 * streamed pg_restore with the dump's hash checked, table and row-count comparison, drop) against
 * {@code createdb} + {@code pg_restore -d} + {@code dropdb}. Each contender runs {@code rounds}
 * times, alternating; the median is reported. Not a JMH benchmark: one run takes tens of seconds.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar dev.infrakit.benchmarks.BackupBenchmark [scale] [rounds]}
 */
public final class BackupBenchmark {
    private BackupBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int scale = args.length > 0 ? Integer.parseInt(args[0]) : 67;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path work = Files.createTempDirectory(Path.of("."), "backup-bench");
        try (EphemeralPostgres server = EphemeralPostgres.builder().setting("max_wal_size", "4GB")
                .setting("checkpoint_timeout", "30min").start()) {
            TestDatabase db = server.createDatabase("bench");
            Path bin = server.binDirectory();
            long t0 = System.nanoTime();
            run(server, bin.resolve("pgbench").toString(), "-i", "-q", "-s", Integer.toString(scale), "-h", server.host(),
                    "-p", Integer.toString(server.port()), "-U", server.username(), db.name());
            long bytes;
            try (Connection c = db.connect(); Statement s = c.createStatement();
                    ResultSet r = s.executeQuery("SELECT pg_database_size(current_database())")) {
                r.next();
                bytes = r.getLong(1);
            }
            System.out.printf("pgbench scale %d: %.0f MB in %.0f s%n", scale, bytes / 1e6, (System.nanoTime() - t0) / 1e9);

            PostgresBackupSource source = PostgresBackupSource.builder().host(server.host()).port(server.port())
                    .database(db.name()).user(server.username()).password(server.password()).binDir(bin).build();
            LocalBackupRepository repo = LocalBackupRepository.open(work.resolve("repo"));
            BackupRunner runner = BackupRunner.builder(source, repo).retention(RetentionPolicy.of(0, 0, 0, 1))
                    .minimumFreeBytes(0).build();
            RestoreDrill drill = RestoreDrill.builder().host(server.host()).port(server.port()).user(server.username())
                    .password(server.password()).binDir(bin)
                    .allowPrivilegedRole(true) // the benchmark's own generated data on its own server
                    .build();

            List<Double> bareDump = new ArrayList<>();
            List<Double> infrakitDump = new ArrayList<>();
            List<Double> bareRestore = new ArrayList<>();
            List<Double> infrakitDrill = new ArrayList<>();
            List<Double> counts = new ArrayList<>();
            Path file = work.resolve("bare.dump");
            for (int i = 0; i < rounds; i++) {
                Files.deleteIfExists(file);
                long s = System.nanoTime();
                run(server, bin.resolve("pg_dump").toString(), "-Fc", "-f", file.toString(), "-h", server.host(), "-p",
                        Integer.toString(server.port()), "-U", server.username(), db.name());
                bareDump.add(seconds(s));

                s = System.nanoTime();
                Manifest m = runner.run(BackupKind.MANUAL);
                infrakitDump.add(seconds(s));

                s = System.nanoTime();
                try (Connection c = db.connect(); Statement st = c.createStatement()) {
                    for (String table : List.of("pgbench_accounts", "pgbench_branches", "pgbench_history",
                            "pgbench_tellers")) {
                        st.executeQuery("SELECT count(*) FROM " + table).close();
                    }
                }
                counts.add(seconds(s));

                String scratch = "bare_restore_" + i;
                s = System.nanoTime();
                run(server, bin.resolve("createdb").toString(), "-h", server.host(), "-p", Integer.toString(server.port()),
                        "-U", server.username(), scratch);
                run(server, bin.resolve("pg_restore").toString(), "--exit-on-error", "--no-owner", "-h", server.host(),
                        "-p", Integer.toString(server.port()), "-U", server.username(), "-d", scratch, file.toString());
                run(server, bin.resolve("dropdb").toString(), "-h", server.host(), "-p", Integer.toString(server.port()),
                        "-U", server.username(), scratch);
                bareRestore.add(seconds(s));

                s = System.nanoTime();
                DrillResult result = drill.run(repo, m.id());
                infrakitDrill.add(seconds(s));
                if (!result.passed()) {
                    throw new IllegalStateException("The drill failed: " + result);
                }
                System.out.printf("round %d: pg_dump %.1f s, infrakit backup %.1f s (dump %.0f MB), counts %.1f s, "
                        + "bare restore %.1f s, infrakit drill %.1f s (restore %.1f s)%n", i + 1, bareDump.get(i),
                        infrakitDump.get(i), m.size() / 1e6, counts.get(i), bareRestore.get(i), infrakitDrill.get(i),
                        result.restoreTime().toMillis() / 1000.0);
            }
            System.out.printf("median: pg_dump %.1f s, infrakit backup %.1f s (%.2fx), row counts %.1f s; bare restore "
                    + "%.1f s, infrakit drill %.1f s (%.2fx)%n", median(bareDump), median(infrakitDump),
                    median(infrakitDump) / median(bareDump), median(counts), median(bareRestore), median(infrakitDrill),
                    median(infrakitDrill) / median(bareRestore));
        } finally {
            TempFiles.deleteTree(work);
        }
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    private static void run(EphemeralPostgres server, String... command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("PGPASSWORD", server.password());
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
        }
    }
}
