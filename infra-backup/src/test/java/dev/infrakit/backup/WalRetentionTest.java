package dev.infrakit.backup;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * WAL retention follows the base backups: WAL before the anchor (the newest base backup older than
 * the window, else the oldest) is deleted, everything from it on and every history file kept, and
 * nothing is deleted without a verified base backup.
 */
class WalRetentionTest {
    private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    @TempDir
    Path temp;

    private static Manifest base(BackupRepository repository, Duration age, int startSegment, BackupStatus status)
            throws IOException {
        Manifest running = Manifest.start("postgres-cluster:db:5432", BackupKind.DAILY, NOW.minus(age));
        String manifest = "{\"PostgreSQL-Backup-Manifest-Version\": 1, \"Files\": [], \"WAL-Ranges\": [{\"Timeline\": 1, "
                + "\"Start-LSN\": \"0/" + Integer.toHexString(startSegment * 0x1000000 + 0x28).toUpperCase()
                + "\", \"End-LSN\": \"0/" + Integer.toHexString(startSegment * 0x1000000 + 0x100).toUpperCase() + "\"}]}";
        try (BackupRepository.Staging staging = repository.begin(running)) {
            for (Map.Entry<String, byte[]> a : Map.of(PostgresBaseBackupSource.BASE_ARTIFACT, new byte[] {1},
                    PostgresBaseBackupSource.MANIFEST_ARTIFACT, manifest.getBytes(StandardCharsets.UTF_8)).entrySet()) {
                try (OutputStream out = staging.open(a.getKey())) {
                    out.write(a.getValue());
                }
            }
            Manifest complete = staging.publish(running.complete(NOW.minus(age).plusSeconds(60), staging.artifacts(),
                    new SourceInfo(null, null, Map.of())));
            if (status == BackupStatus.VERIFIED) {
                repository.update(complete.verified(NOW.minus(age).plusSeconds(90)));
            }
            return complete;
        }
    }

    private List<String> archive(WalArchive archive, String... names) throws IOException {
        Path file = Files.write(temp.resolve("segment"), new byte[] {7});
        List<String> stored = new ArrayList<>();
        for (String name : names) {
            archive.put(name, file);
            stored.add(name);
        }
        return stored;
    }

    private static String segment(int n) {
        return String.format("0000000100000000%08X", n);
    }

    private static List<String> names(WalArchive archive) throws IOException {
        return archive.list().stream().map(WalArchive.WalSegment::name).toList();
    }

    @Test
    void walBeforeTheAnchorIsDeletedAndTheRestKept() throws IOException {
        try (LocalBackupRepository repository = LocalBackupRepository.open(temp.resolve("repo"))) {
            WalArchive archive = repository.walArchive().orElseThrow();
            archive(archive, segment(1), segment(2), segment(3) + ".partial", segment(4), segment(5), segment(6),
                    segment(9), "00000002.history", segment(2) + ".00000028.backup");
            base(repository, Duration.ofDays(10), 2, BackupStatus.VERIFIED);
            base(repository, Duration.ofDays(5), 5, BackupStatus.VERIFIED);
            base(repository, Duration.ofDays(1), 9, BackupStatus.VERIFIED);

            assertEquals(List.of(segment(1)), WalRetention.keeping(Duration.ofDays(7), CLOCK).apply(repository, true),
                    "a 7-day window anchors on the 10-day-old base backup");
            assertEquals(9, names(archive).size(), "a dry run deletes nothing");
            assertEquals(List.of(segment(1)), WalRetention.keeping(Duration.ofDays(7), CLOCK).apply(repository, false));
            assertEquals(List.of(segment(2), segment(2) + ".00000028.backup", segment(3) + ".partial", segment(4)),
                    WalRetention.keeping(Duration.ofDays(2), CLOCK).apply(repository, false),
                    "a 2-day window anchors on the 5-day-old one");
            assertEquals(List.of(segment(5), segment(6), segment(9), "00000002.history"), names(archive),
                    "from the anchor's start segment on, and every history file, is kept");
            assertEquals(List.of(segment(5), segment(6)), WalRetention.keeping(Duration.ZERO, CLOCK)
                    .apply(repository, false), "no window: from the newest base backup on");
        }
    }

    @Test
    void theRunnerPrunesTheWalAfterEachVerifiedBackup() throws IOException {
        Path data = Files.createDirectories(temp.resolve("data"));
        Files.writeString(data.resolve("a.txt"), "a");
        try (LocalBackupRepository repository = LocalBackupRepository.open(temp.resolve("repo"))) {
            WalArchive archive = repository.walArchive().orElseThrow();
            archive(archive, segment(1), segment(2), segment(3));
            base(repository, Duration.ofDays(3), 3, BackupStatus.VERIFIED);
            BackupRunner.builder(DirectorySource.builder(data).build(), repository).minimumFreeBytes(0).clock(CLOCK)
                    .walRetention(WalRetention.keeping(Duration.ofDays(1), CLOCK)).build().run(BackupKind.DAILY);
            assertEquals(List.of(segment(3)), names(archive), "pruned after the run");
        }
    }

    @Test
    void nothingIsDeletedWithoutAVerifiedBaseBackup() throws IOException {
        try (LocalBackupRepository repository = LocalBackupRepository.open(temp.resolve("repo"))) {
            WalArchive archive = repository.walArchive().orElseThrow();
            archive(archive, segment(1), segment(2), segment(3));
            base(repository, Duration.ofDays(10), 3, BackupStatus.COMPLETE); // never verified: does not count
            assertEquals(List.of(), WalRetention.keeping(Duration.ZERO, CLOCK).apply(repository, false));
            assertEquals(3, names(archive).size());
            assertThrows(IllegalArgumentException.class, () -> WalRetention.keeping(Duration.ofDays(-1)));
        }
    }
}
