package dev.infrakit.backup;

import dev.infrakit.audit.AuditSinkProvider;
import dev.infrakit.audit.AuditVerifier;
import dev.infrakit.audit.JsonLinesAuditSink;
import dev.infrakit.core.Provider;
import dev.infrakit.core.Providers;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Run by {@link LightRuntimeIT} in a JVM holding only infra-backup's runtime jars: backs up a
 * directory into a local repository, auditing to a chained JSON-lines file that then verifies, and
 * discovers every provider of backup and audit. Prints one line per step.
 */
public final class LightBackupMain {
    private LightBackupMain() {
    }

    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[0]);
        Path data = Files.createDirectories(work.resolve("data"));
        Files.writeString(data.resolve("notes.txt"), "keep me", StandardCharsets.UTF_8);
        byte[] chainKey = new byte[32];
        Arrays.fill(chainKey, (byte) 7);
        Path auditDir = work.resolve("audit");
        try (JsonLinesAuditSink audit = JsonLinesAuditSink.builder(auditDir, chainKey).build()) {
            BackupRunner runner = BackupRunner.builder(DirectorySource.builder(data).build(),
                    LocalBackupRepository.open(work.resolve("repository"))).auditSink(audit).build();
            Manifest manifest = runner.run(BackupKind.DAILY);
            System.out.println("backup: " + manifest.status() + " " + manifest.artifacts().size() + " artifact(s)");
        }
        System.out.println("audit chain ok: " + AuditVerifier.verifyFiles(auditDir, "audit.log", chainKey).ok());

        for (Class<? extends Provider<?>> spi : List.of(BackupSourceProvider.class, BackupRepositoryProvider.class,
                AuditSinkProvider.class)) {
            Providers<? extends Provider<?>> found = Providers.discover(spi);
            System.out.println(spi.getSimpleName() + ": " + found.names() + ", failures: " + found.failures().size());
        }

        for (String absent : List.of("com.zaxxer.hikari.HikariDataSource", "io.micrometer.core.instrument.MeterRegistry")) {
            try {
                Class.forName(absent);
                System.out.println("present: " + absent);
            } catch (ClassNotFoundException e) {
                System.out.println("absent: " + absent);
            }
        }
    }
}
