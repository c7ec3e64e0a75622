package dev.infrakit.backup;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static dev.infrakit.backup.Backups.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A local user who can write the repository directory plants links where the repository keeps its
 * own files and directories (the staging root and what is in it, the lock file, a backup's
 * directory, its manifest and artifacts), beforehand or by swapping them from another thread while
 * the repository works. A victim directory and file elsewhere are never emptied, truncated, created
 * or read through them, and a planted link is refused with a message naming it.
 */
class RepositoryTamperingIT {
    private static final Instant T0 = Instant.parse("2026-03-01T03:00:00Z");

    @TempDir
    Path tmp;
    Path dir;
    Path victim;
    Map<String, String> victimBefore;

    @BeforeEach
    void createVictim() throws IOException {
        dir = tmp.resolve("repo");
        victim = Files.createDirectories(tmp.resolve("victim"));
        Files.writeString(victim.resolve("precious.txt"), "precious");
        Files.writeString(victim.resolve("manifest.json"), "the victim's own manifest.json");
        Files.writeString(victim.resolve("data.bin"), "the victim's data.bin");
        Files.createDirectories(victim.resolve("sub"));
        Files.writeString(victim.resolve("sub/deep.txt"), "deep");
        victimBefore = snapshot(victim);
    }

    @Test
    void aLinkInsideStagingIsRemovedWithoutEmptyingWhatItPointsTo() throws Exception {
        LocalBackupRepository.open(dir).begin(Backups.running("20260301T030000Z-aaaaaa", T0)); // leaves a staging area
        Path link = dir.resolve(".staging").resolve("20260301T030000Z-bbbbbb");
        Files.createSymbolicLink(link, victim);

        LocalBackupRepository.open(dir);

        assertEquals(victimBefore, snapshot(victim));
        assertFalse(Files.exists(link, LinkOption.NOFOLLOW_LINKS), "the planted link is removed");
    }

    @Test
    void aStagingRootThatIsALinkIsRefusedAndWhatItPointsToIsUntouched() throws Exception {
        Files.createDirectories(dir);
        Files.createSymbolicLink(dir.resolve(".staging"), victim);

        BackupException e = assertThrows(BackupException.class, () -> LocalBackupRepository.open(dir));
        assertTrue(e.getMessage().contains(dir.toRealPath().resolve(".staging") + ": is a symbolic link"), e::getMessage);
        assertEquals(victimBefore, snapshot(victim));
    }

    @Test
    @Timeout(120)
    void aStagingRootSwappedForALinkDuringBackupsNeverTouchesWhatItPointsTo() throws Exception {
        LocalBackupRepository repository = LocalBackupRepository.open(dir);
        Path real = repository.directory();
        Path staging = real.resolve(".staging");
        Files.createDirectories(staging);
        AtomicInteger parkedAway = new AtomicInteger();
        Swapper swapper = new Swapper(() -> {
            Path parked = real.resolve(".parked");
            if (!move(staging, parked)) {
                return;
            }
            try {
                Files.createSymbolicLink(staging, victim);
                Files.delete(staging);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                // The repository made a new staging root meanwhile.
            }
            if (!move(parked, staging)) { // the repository made a new one meanwhile: keep it, park the old one
                Files.move(parked, real.resolve(".parked-" + parkedAway.incrementAndGet()));
            }
        });
        int published = 0;
        int refused = 0;
        try (swapper) {
            // 400 backups against the swapper; on a loaded machine it can win every one of them, so
            // go on (up to 4,000) until one is published: the race must not refuse everything.
            for (int i = 0; i < 400 || published == 0 && i < 4000; i++) {
                Manifest running = Manifest.start("test", BackupKind.MANUAL, T0.plusSeconds(i));
                try (BackupRepository.Staging s = repository.begin(running)) {
                    try (OutputStream out = s.open("data.bin")) {
                        out.write(bytes("data " + i));
                    }
                    assertEquals(victimBefore, snapshot(victim), "while a backup is staged");
                    s.publish(running.complete(T0.plusSeconds(i + 1), s.artifacts(), Backups.INFO));
                    published++;
                } catch (BackupException e) {
                    assertTrue(e.getMessage().contains(staging.toString()), e::getMessage);
                    refused++;
                }
                assertEquals(victimBefore, snapshot(victim));
            }
        }
        assertTrue(published > 0, "some backups are published (" + refused + " refused)");
        for (Manifest m : repository.list()) {
            try (InputStream in = repository.open(m.id(), "data.bin")) {
                assertTrue(new String(in.readAllBytes(), StandardCharsets.UTF_8).startsWith("data "));
            }
        }
        assertEquals(victimBefore, snapshot(victim));
    }

    @Test
    void aLockFileThatIsALinkIsRefusedAndNeitherTruncatesNorCreatesItsTarget() throws Exception {
        Path lock = Files.createDirectories(dir).resolve(".lock");
        Path victimFile = victim.resolve("precious.txt");
        Files.createSymbolicLink(lock, victimFile);
        BackupException e = assertThrows(BackupException.class, () -> LocalBackupRepository.open(dir));
        assertTrue(e.getMessage().contains(dir.toRealPath().resolve(".lock") + " is a symbolic link"), e::getMessage);
        assertEquals(victimBefore, snapshot(victim));

        Files.delete(lock);
        LocalBackupRepository repository = LocalBackupRepository.open(dir);
        Files.delete(lock);
        Path missing = victim.resolve("created-by-the-lock");
        Files.createSymbolicLink(lock, missing);
        e = assertThrows(BackupException.class, () -> repository.lock("backup"));
        assertTrue(e.getMessage().contains(" is a symbolic link; refusing to follow it"), e::getMessage);
        assertFalse(Files.exists(missing, LinkOption.NOFOLLOW_LINKS), "the link's target was not created");

        Files.delete(lock);
        Files.createSymbolicLink(lock, victimFile);
        assertThrows(BackupException.class, () -> repository.lock("backup"));
        assertEquals(victimBefore, snapshot(victim), "the link's target was not truncated");

        Files.delete(lock);
        Files.createLink(lock, victimFile);
        e = assertThrows(BackupException.class, () -> repository.lock("backup"));
        assertTrue(e.getMessage().contains("hard links"), e::getMessage);
        assertEquals(victimBefore, snapshot(victim));
    }

    @Test
    @Timeout(120)
    void aLockFileSwappedForALinkWhileLocksAreTakenNeverTouchesItsTarget() throws Exception {
        LocalBackupRepository repository = LocalBackupRepository.open(dir);
        Path real = repository.directory();
        Path lock = real.resolve(".lock");
        Path victimFile = victim.resolve("precious.txt");
        Path missing = victim.resolve("created-by-the-lock");
        AtomicInteger parkedAway = new AtomicInteger();
        AtomicBoolean toMissing = new AtomicBoolean();
        Swapper swapper = new Swapper(() -> {
            Path parked = real.resolve(".lock-parked");
            if (!move(lock, parked)) {
                return;
            }
            try {
                Files.createSymbolicLink(lock, toMissing.getAndSet(!toMissing.get()) ? missing : victimFile);
                Files.delete(lock);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                // The repository created a new lock file meanwhile.
            }
            if (!move(parked, lock)) {
                Files.move(parked, real.resolve(".lock-parked-" + parkedAway.incrementAndGet()));
            }
            java.util.concurrent.locks.LockSupport.parkNanos(20_000); // leave the real one in place a while too
        });
        int taken = 0;
        int refused = 0;
        try (swapper) {
            // 2,000 locks against the swapper; on a loaded machine it can win every one of them (CI once saw
            // that), so go on (up to 40,000) until one is taken: the race must not refuse everything.
            for (int i = 0; i < 2000 || taken == 0 && i < 40_000; i++) {
                try {
                    repository.lock("run " + i).close();
                    taken++;
                } catch (BackupException e) {
                    assertTrue(e.getMessage().contains(lock.toString()), e::getMessage);
                    refused++;
                }
            }
        }
        assertTrue(taken > 0, "some locks are taken (" + refused + " refused)");
        assertFalse(Files.exists(missing, LinkOption.NOFOLLOW_LINKS), "the link's target was not created");
        assertEquals(victimBefore, snapshot(victim), "the link's target was not truncated");
    }

    @Test
    void aManifestOrArtifactThatIsALinkIsNeverFollowed() throws Exception {
        LocalBackupRepository repository = LocalBackupRepository.open(dir);
        Manifest a = Backups.publish(repository, T0, Map.of("data.bin", bytes("real data")));
        Manifest b = Backups.publish(repository, T0.plusSeconds(60), Map.of("data.bin", bytes("real data")));
        Path backupA = repository.directory().resolve(a.id());
        Path backupB = repository.directory().resolve(b.id());
        // b's manifest is a link to a valid manifest for b elsewhere; a's artifact a link to a file elsewhere.
        Files.writeString(victim.resolve("manifest.json"), Files.readString(backupB.resolve("manifest.json")));
        victimBefore = snapshot(victim);
        Files.delete(backupB.resolve("manifest.json"));
        Files.createSymbolicLink(backupB.resolve("manifest.json"), victim.resolve("manifest.json"));
        Files.delete(backupA.resolve("data.bin"));
        Files.createSymbolicLink(backupA.resolve("data.bin"), victim.resolve("data.bin"));

        assertEquals(java.util.List.of(a.id()), repository.list().stream().map(Manifest::id).toList(),
                "a backup whose manifest is a link is not listed");
        assertTrue(repository.find(b.id()).isEmpty());
        BackupException e = assertThrows(BackupException.class, () -> repository.open(a.id(), "data.bin"));
        assertTrue(e.getMessage().contains("is a symbolic link; refusing to follow it"), e::getMessage);
        repository.update(a.keepForever(true));
        repository.delete(a.id());
        repository.delete(b.id());
        assertFalse(Files.exists(backupA, LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.exists(backupB, LinkOption.NOFOLLOW_LINKS));
        assertEquals(victimBefore, snapshot(victim));
    }

    @Test
    @Timeout(180)
    void aBackupDirectorySwappedForALinkWhileItIsReadUpdatedAndDeletedNeverTouchesWhatItPointsTo() throws Exception {
        LocalBackupRepository repository = LocalBackupRepository.open(dir);
        AtomicReference<Path> target = new AtomicReference<>();
        Path parked = repository.directory().resolve(".parked");
        Swapper swapper = new Swapper(() -> {
            Path backup = target.get();
            if (backup == null || !move(backup, parked)) {
                return;
            }
            Files.createSymbolicLink(backup, victim);
            try {
                Files.delete(backup);
            } catch (java.nio.file.NoSuchFileException e) {
                // The repository deleted the link (never what it points to) while deleting the backup.
            }
            Files.move(parked, backup);
            java.util.concurrent.locks.LockSupport.parkNanos(200_000); // leave the real one in place a while too
        });
        int deleted = 0;
        try (swapper) {
            for (int i = 0; i < 100; i++) {
                Manifest m = Backups.publish(repository, T0.plusSeconds(60L * i), Map.of("data.bin", bytes("real data")));
                target.set(repository.directory().resolve(m.id()));
                for (int round = 0; round < 20; round++) {
                    try (InputStream in = repository.open(m.id(), "data.bin")) {
                        assertArrayEquals(bytes("real data"), in.readAllBytes());
                    } catch (BackupException e) {
                        assertTrue(e.getMessage().contains(m.id()), e::getMessage);
                    }
                    try {
                        repository.update(m.keepForever(round % 2 == 0));
                    } catch (BackupException e) {
                        assertTrue(e.getMessage().contains(m.id()), e::getMessage);
                    }
                }
                for (int attempt = 0; attempt < 100 && repository.find(m.id()).isPresent(); attempt++) {
                    try {
                        repository.delete(m.id());
                        deleted++;
                    } catch (BackupException e) {
                        assertTrue(e.getMessage().contains(m.id()), e::getMessage);
                    }
                }
                assertEquals(victimBefore, snapshot(victim));
            }
        }
        assertTrue(deleted > 0);
        assertEquals(victimBefore, snapshot(victim));
    }

    /** Renames {@code from} to {@code to}; false if {@code from} is missing or {@code to} exists. */
    private static boolean move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to);
            return true;
        } catch (java.nio.file.FileSystemException e) { // missing, or the target exists (not empty)
            return false;
        }
    }

    /** Every file and directory under {@code root} with its content ("dir" for directories). */
    private static Map<String, String> snapshot(Path root) throws IOException {
        Map<String, String> all = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.toList()) {
                all.put(root.relativize(p).toString(), Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? "dir"
                        : Files.readString(p));
            }
        }
        return all;
    }

    /** A step run in a loop on another thread until closed; its first failure fails the test. */
    private static final class Swapper implements AutoCloseable {
        interface Step {
            void run() throws Exception;
        }

        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicReference<Throwable> failed = new AtomicReference<>();
        private final Thread thread;

        Swapper(Step step) {
            thread = new Thread(() -> {
                try {
                    while (!stop.get()) {
                        step.run();
                    }
                } catch (Throwable t) {
                    failed.set(t);
                }
            }, "swapper");
            thread.start();
        }

        @Override
        public void close() {
            stop.set(true);
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while stopping the swapper", e);
            }
            assertNull(failed.get(), () -> "the swapper failed: " + failed.get());
        }
    }
}
