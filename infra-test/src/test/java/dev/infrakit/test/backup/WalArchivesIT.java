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

        @Test
        void aSegmentAlteredOrTruncatedAtRestFailsToReadNamingItself() throws Exception {
            String name = "000000010000000000000007";
            Path a = file("a", 1 << 20, 5);
            archive.put(name, a);
            Path stored = temp.resolve("repo").resolve(".wal").resolve(name);
            byte[] bytes = Files.readAllBytes(stored);
            bytes[12345] ^= 0x20;
            Files.write(stored, bytes);
            try (InputStream in = archive.open(name)) {
                BackupException altered = assertThrows(BackupException.class, in::readAllBytes);
                assertTrue(altered.getMessage().contains("WAL file " + name) && altered.getMessage().contains("corrupted"),
                        altered.getMessage());
            }
            Files.write(stored, java.util.Arrays.copyOf(Files.readAllBytes(a), 1 << 19)); // truncated
            try (InputStream in = archive.open(name)) {
                assertThrows(BackupException.class, in::readAllBytes);
            }
            Files.write(stored, new byte[0]); // emptied
            try (InputStream in = archive.open(name)) {
                assertThrows(BackupException.class, in::readAllBytes);
            }
            archive.delete(name);
            assertFalse(Files.exists(stored.resolveSibling(name + ".sha256")), "the record goes with the file");
        }

        @Test
        void aCrashWhileAPartialSegmentIsReplacedLeavesAFileItsRecordAccepts() throws Exception {
            String partial = "000000010000000000000008.partial";
            Path shorter = file("shorter", 1 << 16, 6);
            Path longer = file("longer", 1 << 17, 7);
            archive.put(partial, shorter);
            Path record = temp.resolve("repo").resolve(".wal").resolve(partial + ".sha256");
            String old = Files.readString(record).strip();
            // The record is rewritten to accept both before the file is replaced: a crash between the two
            // steps leaves the old file with a record naming it too.
            archive.put(partial, longer);
            String fresh = Files.readString(record).strip();
            Files.writeString(record, fresh + "\n" + old + "\n");
            Path stored = record.resolveSibling(partial);
            Files.copy(shorter, stored, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            try (InputStream in = archive.open(partial)) {
                assertArrayEquals(Files.readAllBytes(shorter), in.readAllBytes());
            }
            Files.copy(longer, stored, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            try (InputStream in = archive.open(partial)) {
                assertArrayEquals(Files.readAllBytes(longer), in.readAllBytes());
            }
            assertFalse(fresh.contains("\n"), "once replaced, the record names only the new content");
        }

        @Test
        void aSegmentArchivedBeforeRecordsWereKeptIsReadAndGetsOneWhenStoredAgain() throws Exception {
            String name = "000000010000000000000009";
            Path a = file("a", 1 << 16, 8);
            archive.put(name, a);
            Path record = temp.resolve("repo").resolve(".wal").resolve(name + ".sha256");
            Files.delete(record);
            try (InputStream in = archive.open(name)) {
                assertArrayEquals(Files.readAllBytes(a), in.readAllBytes());
            }
            archive.put(name, a);
            assertTrue(Files.exists(record));
        }
    }

    @Nested
    class S3 extends Contract {
        String bucket;

        @Override
        BackupRepository create() {
            EphemeralS3 s3 = EphemeralS3.shared();
            bucket = S3Fixtures.newBucket(s3);
            return S3Fixtures.repository(s3, bucket, "db").build();
        }

        @Test
        void aSegmentAlteredInTheStoreFailsToReadNamingItself() throws Exception {
            String name = "00000001000000000000000A";
            Path a = file("a", 1 << 18, 9);
            WalArchive.WalSegment stored = archive.put(name, a);
            byte[] bytes = Files.readAllBytes(a);
            bytes[777] ^= 1;
            try (software.amazon.awssdk.services.s3.S3Client raw = S3Fixtures.client(EphemeralS3.shared())) {
                raw.putObject(r -> r.bucket(bucket).key("db/.wal/" + name).metadata(java.util.Map.of("sha256",
                        stored.sha256())), software.amazon.awssdk.core.sync.RequestBody.fromBytes(bytes));
            }
            try (InputStream in = archive.open(name)) {
                BackupException altered = assertThrows(BackupException.class, in::readAllBytes);
                assertTrue(altered.getMessage().contains("WAL file " + name) && altered.getMessage().contains("corrupted"),
                        altered.getMessage());
            }
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
