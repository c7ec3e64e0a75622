package dev.infrakit.test.backup;

import dev.infrakit.backup.BackupException;
import dev.infrakit.backup.BackupRepository;
import dev.infrakit.backup.EncryptedBackupRepository;
import dev.infrakit.backup.BackupKeys;
import dev.infrakit.backup.LocalBackupRepository;
import dev.infrakit.backup.WalArchive;
import dev.infrakit.testkit.EphemeralS3;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The WAL archives of the local and S3 repositories against the {@link WalArchive} contract: stored
 * whole, the same content again a no-op, other content for a completed segment refused, a partial
 * segment replaced, names that are not WAL refused, listing in order, deletion; over a directory,
 * S3, and both encrypted (the stored bytes not the plaintext, altered ones refused on reading).
 */
class WalArchivesIT {

    abstract static class Contract {
        @TempDir
        Path temp;
        BackupRepository repository;
        WalArchive archive;

        abstract BackupRepository create() throws Exception;

        @BeforeEach
        void open() throws Exception {
            repository = create();
            archive = repository.walArchive().orElseThrow();
        }

        @AfterEach
        void close() {
            repository.close();
        }

        Path file(String name, int size, long seed) throws Exception {
            byte[] bytes = new byte[size];
            new Random(seed).nextBytes(bytes);
            return Files.write(temp.resolve(name), bytes);
        }

        @Test
        void storesWholeInOrderAndRefusesOtherContentForACompletedSegment() throws Exception {
            Path a = file("a", 1 << 20, 1);
            Path b = file("b", 1 << 20, 2);
            String second = "000000010000000000000002";
            String first = "000000010000000000000001";
            WalArchive.WalSegment stored = archive.put(second, a);
            assertEquals(1 << 20, stored.size());
            assertEquals(64, stored.sha256().length());
            archive.put(first, b);
            archive.put("00000002.history", b);
            assertEquals(List.of(first, second, "00000002.history").stream().sorted().toList(),
                    archive.list().stream().map(WalArchive.WalSegment::name).toList());
            assertEquals(stored, archive.put(second, a), "the same content again is a no-op");
            BackupException other = assertThrows(BackupException.class, () -> archive.put(second, b));
            assertTrue(other.getMessage().contains("another server may be archiving"), other.getMessage());
            try (InputStream in = archive.open(second)) {
                assertArrayEquals(Files.readAllBytes(a), in.readAllBytes(), "the first content stays");
            }
            archive.put(second + ".partial", a);
            archive.put(second + ".partial", b);
            try (InputStream in = archive.open(second + ".partial")) {
                assertArrayEquals(Files.readAllBytes(b), in.readAllBytes(), "a partial segment may be replaced");
            }
            archive.delete(first);
            archive.delete(first); // not there: nothing to do
            assertThrows(BackupException.class, () -> archive.open(first));
            assertFalse(archive.list().stream().anyMatch(s -> s.name().equals(first)));
            assertEquals(List.of(), repository.list(), "WAL is no backup");
        }

        @Test
        void namesThatAreNotWalAreRefused() throws Exception {
            Path a = file("a", 10, 3);
            for (String bad : List.of("../x", "000000010000000000000001/../y", "00000001000000000000000g", ".wal",
                    "000000010000000000000001.tmp", "")) {
                assertThrows(IllegalArgumentException.class, () -> archive.put(bad, a), bad);
                assertThrows(IllegalArgumentException.class, () -> archive.open(bad), bad);
                assertThrows(IllegalArgumentException.class, () -> archive.delete(bad), bad);
            }
        }
    }

    @Nested
    class Local extends Contract {
        @Override
        BackupRepository create() {
            return LocalBackupRepository.open(temp.resolve("repo"));
        }
    }

    @Nested
    class S3 extends Contract {
        @Override
        BackupRepository create() {
            EphemeralS3 s3 = EphemeralS3.shared();
            return S3Fixtures.repository(s3, S3Fixtures.newBucket(s3), "db").build();
        }
    }

    @Nested
    class EncryptedOverS3 extends Contract {
        @Override
        BackupRepository create() {
            EphemeralS3 s3 = EphemeralS3.shared();
            return EncryptedBackupRepository.wrap(S3Fixtures.repository(s3, S3Fixtures.newBucket(s3), "db").build(),
                    BackupKeys.of("wal-1", new byte[BackupKeys.KEY_BYTES]));
        }

        @Test
        void storedWalIsEncryptedAndAlteredWalFailsToRead() throws Exception {
            Path a = file("a", 1 << 16, 4);
            archive.put("000000010000000000000009", a);
            WalArchive underlying = ((EncryptedBackupRepository) repository).underlying().walArchive().orElseThrow();
            byte[] stored;
            try (InputStream in = underlying.open("000000010000000000000009")) {
                stored = in.readAllBytes();
            }
            assertFalse(java.util.Arrays.equals(Files.readAllBytes(a), java.util.Arrays.copyOfRange(stored, stored.length
                    - (1 << 16), stored.length)), "the stored bytes are not the plaintext");
            stored[stored.length / 2] ^= 1;
            Path altered = Files.write(temp.resolve("altered"), stored);
            underlying.delete("000000010000000000000009");
            underlying.put("000000010000000000000009", altered);
            try (InputStream in = archive.open("000000010000000000000009")) {
                assertThrows(dev.infrakit.backup.BackupDecryptionException.class, in::readAllBytes);
            }
        }
    }

    @Nested
    class EncryptedOverADirectory extends Contract {
        @Override
        BackupRepository create() {
            return EncryptedBackupRepository.wrap(LocalBackupRepository.open(temp.resolve("repo")),
                    BackupKeys.of("wal-1", new byte[BackupKeys.KEY_BYTES]));
        }
    }
}
