package dev.infrakit.test.backup;

import dev.infrakit.backup.BackupKeys;
import dev.infrakit.backup.BackupRepository;
import dev.infrakit.backup.EncryptedBackupRepository;
import dev.infrakit.backup.LocalBackupRepository;
import dev.infrakit.test.contract.BackupRepositoryContract;
import dev.infrakit.testkit.EphemeralS3;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.security.SecureRandom;

/**
 * Encrypted repositories against the backup repository contract, unchanged: over a local directory
 * and over S3 (S3Proxy); a second handle is a second repository on the same storage with the same keys.
 */
class EncryptedBackupRepositoryContractIT {
    private static final BackupKeys KEYS = keys();

    private static BackupKeys keys() {
        byte[] key = new byte[BackupKeys.KEY_BYTES];
        new SecureRandom().nextBytes(key);
        return BackupKeys.of("contract-1", key);
    }

    @Nested
    class OverADirectory extends BackupRepositoryContract {
        @TempDir
        Path dir;

        @Override
        protected BackupRepository createRepository() {
            return EncryptedBackupRepository.wrap(LocalBackupRepository.open(dir), KEYS);
        }

        @Override
        protected BackupRepository reopen() {
            return EncryptedBackupRepository.wrap(LocalBackupRepository.open(dir), KEYS);
        }
    }

    @Nested
    class OverS3 extends BackupRepositoryContract {
        private final EphemeralS3 s3 = EphemeralS3.shared();
        private String bucket;

        @Override
        protected BackupRepository createRepository() {
            bucket = S3Fixtures.newBucket(s3);
            return EncryptedBackupRepository.wrap(S3Fixtures.repository(s3, bucket, "").build(), KEYS);
        }

        @Override
        protected BackupRepository reopen() {
            return EncryptedBackupRepository.wrap(S3Fixtures.repository(s3, bucket, "").build(), KEYS);
        }
    }
}
