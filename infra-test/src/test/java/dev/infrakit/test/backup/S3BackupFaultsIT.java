package dev.infrakit.test.backup;

import dev.infrakit.backup.BackupCopier;
import dev.infrakit.backup.BackupDecryptionException;
import dev.infrakit.backup.BackupException;
import dev.infrakit.backup.BackupKeys;
import dev.infrakit.backup.BackupKind;
import dev.infrakit.backup.BackupRepository;
import dev.infrakit.backup.BackupRunner;
import dev.infrakit.backup.BackupStatus;
import dev.infrakit.backup.EncryptedBackupRepository;
import dev.infrakit.backup.LocalBackupRepository;
import dev.infrakit.backup.Manifest;
import dev.infrakit.backup.RepositoryLock;
import dev.infrakit.backup.RetentionPolicy;
import dev.infrakit.backup.S3BackupRepository;
import dev.infrakit.test.FakeBackupSource;
import dev.infrakit.test.contract.BackupFixtures;
import dev.infrakit.testkit.EphemeralS3;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The S3 repository when things go wrong, on a dedicated S3Proxy that the tests stop, restart and
 * tamper with: the store stopped in the middle of a multipart upload, objects corrupted or deleted
 * at rest, wrong credentials, a full local staging disk. In each, nothing that cannot be read back
 * (and decrypted) counts as backed up, and nothing is left behind to pay for.
 */
class S3BackupFaultsIT {
    private static final int PART = S3BackupRepository.MIN_PART_SIZE;
    private static EphemeralS3 s3;
    private static S3Client client;

    @TempDir
    Path temp;

    @BeforeAll
    static void startStore() {
        s3 = EphemeralS3.start();
        client = S3Fixtures.client(s3);
    }

    @AfterAll
    static void stopStore() {
        client.close();
        s3.close();
    }

    private static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static BackupKeys keys(String id) {
        byte[] key = new byte[BackupKeys.KEY_BYTES];
        new SecureRandom().nextBytes(key);
        return BackupKeys.of(id, key);
    }

    private static List<String> keys(String bucket, String prefix) {
        return client.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(prefix)).contents().stream()
                .map(S3Object::key).collect(Collectors.toList());
    }

    private static int multipartUploads(String bucket) {
        return client.listMultipartUploads(r -> r.bucket(bucket)).uploads().size();
    }

    private static S3BackupRepository repository(String bucket) {
        return S3Fixtures.repository(s3, bucket, "offsite").partSize(PART).build();
    }

    @Test
    void theStoreStoppedMidUploadCountsNothingAndTheNextOpenAbortsTheOrphanedUpload() throws Exception {
        String bucket = S3Fixtures.newBucket(s3);
        S3BackupRepository repository = repository(bucket);
        Manifest running = Manifest.start("test:db", BackupKind.DAILY, Instant.parse("2026-12-01T03:00:00Z"));
        BackupRepository.Staging staging = repository.begin(running);
        OutputStream out = staging.open("database.dump");
        out.write(random(2 * PART + 1024, 1)); // two full parts sent (or in flight): a multipart upload exists
        assertEquals(1, multipartUploads(bucket), "the upload is in progress");
        s3.stop();
        try {
            IOException e = assertThrows(IOException.class, () -> {
                out.write(random(2 * PART, 2));
                out.close();
            });
            assertTrue(e.getMessage().contains("database.dump"), e.getMessage());
            assertThrows(BackupException.class, () -> staging.publish(running.complete(Instant.now(),
                    staging.artifacts(), FakeBackupSource.INFO)), "an artifact that was not uploaded never publishes");
            staging.close(); // cannot reach the store to clean up: logged
        } finally {
            s3.restart();
        }
        assertEquals(List.of(), repository.list(), "nothing counts as backed up");
        assertEquals(1, multipartUploads(bucket), "the abort could not reach the stopped store");
        repository.close();

        try (S3BackupRepository next = repository(bucket)) { // the next run opens the repository
            assertEquals(0, multipartUploads(bucket), "the orphaned multipart upload was aborted");
            assertEquals(List.of(), keys(bucket, ""), "its staging record and parts are gone too");
            Manifest again = BackupFixtures.publish(next, running, Map.of("database.dump", random(PART + 1, 3)));
            assertEquals(List.of(again), next.list(), "the same backup can be written again");
        }
    }

    /** The primary repository, which stops the store once the off-site copy has read {@code after} bytes. */
    private BackupRepository stoppingAfter(BackupRepository primary, long after) {
        return new ForwardingRepository(primary) {
            private int opens;

            @Override
            public InputStream open(String id, String artifact) throws IOException {
                InputStream in = super.open(id, artifact);
                if (++opens != 2) { // the first read is the primary's own verification; the second, the copy
                    return in;
                }
                return new java.io.FilterInputStream(in) {
                    private long read;

                    @Override
                    public int read(byte[] b, int off, int len) throws IOException {
                        int n = super.read(b, off, len);
                        read += Math.max(n, 0);
                        if (read >= after && s3.isRunning()) {
                            s3.stop();
                        }
                        return n;
                    }
                };
            }
        };
    }

    @Test
    void anOffsiteCopyCutShortIsNotVerifiedAndTheNextRunCopiesItAgain() throws Exception {
        String bucket = S3Fixtures.newBucket(s3);
        BackupKeys keys = keys("offsite-1");
        try (LocalBackupRepository local = LocalBackupRepository.open(temp.resolve("local"));
                EncryptedBackupRepository offsite = EncryptedBackupRepository.wrap(repository(bucket), keys)) {
            byte[] dump = random(3 * PART, 4);
            BackupRunner first = BackupRunner.builder(FakeBackupSource.of("db", Map.of("database.dump", dump)),
                    stoppingAfter(local, PART + PART / 2)).offsite(offsite).build();
            try {
                BackupException e = assertThrows(BackupException.class, () -> first.run(BackupKind.DAILY));
                assertTrue(e.getMessage().contains("database.dump"), e.getMessage());
            } finally {
                s3.restart();
            }
            Manifest kept = local.list().get(0);
            assertEquals(BackupStatus.VERIFIED, kept.status(), "the local backup is good");
            assertEquals(List.of(), offsite.list(), "the copy cut short does not count");

            BackupRunner next = BackupRunner.builder(FakeBackupSource.of("db", Map.of("database.dump", dump)), local)
                    .offsite(offsite).retention(RetentionPolicy.keepAll()).build(); // two the same day: keep both
            Manifest second = next.run(BackupKind.DAILY);
            List<Manifest> copies = offsite.list();
            assertEquals(List.of(kept.id(), second.id()), copies.stream().map(Manifest::id).collect(Collectors.toList()),
                    "the next run copied the backup the first could not");
            for (Manifest copy : copies) {
                assertEquals(BackupStatus.VERIFIED, copy.status());
                assertEquals(List.of(), BackupCopier.create().verify(offsite, copy.id()));
                try (InputStream in = offsite.open(copy.id(), "database.dump")) {
                    assertArrayEquals(dump, in.readAllBytes());
                }
            }
            assertEquals(0, multipartUploads(bucket), "no multipart upload is left behind");
        }
    }

    private Path objectFile(String bucket, String key) {
        return s3.objectsDirectory().resolve(bucket).resolve(key);
    }

    @Test
    void anObjectCorruptedOrDeletedAtRestFailsVerificationAndReading() throws Exception {
        String bucket = S3Fixtures.newBucket(s3);
        BackupKeys keys = keys("rest-1");
        byte[] content = random(PART + 4096, 5);
        try (S3BackupRepository plain = repository(bucket);
                EncryptedBackupRepository encrypted = EncryptedBackupRepository.wrap(
                        S3Fixtures.repository(s3, bucket, "encrypted").build(), keys)) {
            Manifest a = BackupFixtures.publish(plain, Instant.parse("2026-12-01T03:00:00Z"), Map.of("a.dump", content));
            Manifest b = BackupFixtures.publish(encrypted, Instant.parse("2026-12-01T03:00:00Z"),
                    Map.of("b.dump", content));
            assertEquals(List.of(), BackupCopier.create().verify(plain, a.id()));
            assertEquals(List.of(), BackupCopier.create().verify(encrypted, b.id()));

            Path stored = objectFile(bucket, "offsite/" + a.id() + "/a.dump");
            flipByte(stored, PART + 100);
            List<String> problems = BackupCopier.create().verify(plain, a.id());
            assertEquals(1, problems.size(), problems.toString());
            assertTrue(problems.get(0).startsWith("a.dump: sha256 "), problems.get(0));

            Path sealed = objectFile(bucket, "encrypted/" + b.id() + "/b.dump");
            flipByte(sealed, 1000);
            problems = BackupCopier.create().verify(encrypted, b.id());
            assertEquals(1, problems.size(), problems.toString());
            assertTrue(problems.get(0).contains("b.dump") && problems.get(0).contains("authentic"), problems.get(0));
            try (InputStream in = encrypted.open(b.id(), "b.dump")) {
                assertThrows(BackupDecryptionException.class, in::readAllBytes, "restore reads nothing unauthenticated");
            }

            Files.delete(stored);
            problems = BackupCopier.create().verify(plain, a.id());
            assertEquals(1, problems.size(), problems.toString());
            assertTrue(problems.get(0).contains("a.dump") && problems.get(0).contains("missing"), problems.get(0));
            Files.delete(objectFile(bucket, "encrypted/" + b.id() + "/manifest.json"));
            assertEquals(List.of(), encrypted.list(), "a backup whose manifest is gone is not a backup");
        }
    }

    private static void flipByte(Path file, long at) throws IOException {
        try (var channel = java.nio.channels.FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer one = java.nio.ByteBuffer.allocate(1);
            channel.read(one, at);
            one.flip();
            one.put(0, (byte) (one.get(0) ^ 0x01));
            channel.write(one, at);
        }
    }

    @Test
    void wrongCredentialsAreReportedWithoutShowingTheSecret() {
        String bucket = S3Fixtures.newBucket(s3);
        String secret = "wrong-secret-" + System.nanoTime();
        BackupException wrongSecret = assertThrows(BackupException.class, () -> S3BackupRepository.builder()
                .bucket(bucket).endpoint(s3.endpoint()).pathStyle(true).checksumsWhenRequired(true)
                .credentials(s3.accessKey(), secret).build());
        assertTrue(wrongSecret.getMessage().contains("refused the credentials"), wrongSecret.getMessage());
        assertFalse(wrongSecret.getMessage().contains(secret), "the secret is never shown");
        BackupException wrongKey = assertThrows(BackupException.class, () -> S3BackupRepository.builder()
                .bucket(bucket).endpoint(s3.endpoint()).pathStyle(true).checksumsWhenRequired(true)
                .credentials("AKIDNOTAKEY", s3.secretKey()).build());
        assertTrue(wrongKey.getMessage().contains("refused the credentials"), wrongKey.getMessage());
        assertFalse(wrongKey.getMessage().contains(s3.secretKey()), "the secret is never shown");
        BackupException noBucket = assertThrows(BackupException.class, () -> S3Fixtures.repository(s3,
                "no-such-bucket-" + ProcessHandle.current().pid(), "").build());
        assertTrue(noBucket.getMessage().contains("does not exist"), noBucket.getMessage());
    }

    @Test
    void aFullLocalStagingDiskStopsTheRunBeforeAnythingIsWrittenOrCopied() throws Exception {
        String bucket = S3Fixtures.newBucket(s3);
        try (LocalBackupRepository local = LocalBackupRepository.open(temp.resolve("local"));
                S3BackupRepository offsite = repository(bucket)) {
            BackupRepository full = new ForwardingRepository(local) {
                @Override
                public long usableSpace() {
                    return 10L << 20; // 10 MiB free: less than the 64 MiB a run needs
                }
            };
            BackupRunner runner = BackupRunner.builder(FakeBackupSource.of("db", Map.of("database.dump",
                    random(1024, 6))), full).offsite(offsite).build();
            BackupException e = assertThrows(BackupException.class, () -> runner.run(BackupKind.DAILY));
            assertTrue(e.getMessage().contains("Not enough free space"), e.getMessage());
            assertEquals(List.of(), local.list());
            assertEquals(List.of(), offsite.list());
            assertEquals(List.of(), keys(bucket, ""), "nothing was written off-site");
        }
    }

    @Test
    void aLockLeftByAProcessOfThisHostThatIsGoneIsTakenOver() throws Exception {
        String bucket = S3Fixtures.newBucket(s3);
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        String record = "{\"pid\":" + gone.pid() + ",\"host\":\"" + java.net.InetAddress.getLocalHost().getHostName()
                + "\",\"purpose\":\"backup of db\",\"since\":\"2026-12-01T03:00:00Z\",\"state\":\"held\"}";
        client.putObject(r -> r.bucket(bucket).key("offsite/.locks/left-by-a-crash"),
                software.amazon.awssdk.core.sync.RequestBody.fromString(record));
        try (S3BackupRepository repository = repository(bucket); RepositoryLock lock = repository.lock("next run")) {
            assertTrue(lock.holder().contains("next run"), lock.holder());
            assertFalse(keys(bucket, "offsite/.locks/").contains("offsite/.locks/left-by-a-crash"));
        }
        String live = record.replace("\"pid\":" + gone.pid(), "\"pid\":1").replace(
                java.net.InetAddress.getLocalHost().getHostName(), "another-host");
        client.putObject(r -> r.bucket(bucket).key("offsite/.locks/held-elsewhere"),
                software.amazon.awssdk.core.sync.RequestBody.fromString(live));
        try (S3BackupRepository repository = repository(bucket)) {
            BackupException e = assertThrows(BackupException.class, () -> repository.lock("next run"));
            assertTrue(e.getMessage().contains("another-host") && e.getMessage().contains("backup of db"),
                    e.getMessage());
        }
        try (S3BackupRepository expired = S3Fixtures.repository(s3, bucket, "offsite").partSize(PART)
                .clock(java.time.Clock.offset(java.time.Clock.systemUTC(), java.time.Duration.ofMinutes(6))).build();
                RepositoryLock lock = expired.lock("after expiry")) {
            assertTrue(lock.holder().contains("after expiry"), "a record not rewritten for five minutes is taken over");
        }
    }
}
