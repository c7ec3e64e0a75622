package dev.infrakit.test.backup;

import dev.infrakit.backup.BackupRepository;
import dev.infrakit.test.contract.BackupRepositoryContract;
import dev.infrakit.testkit.EphemeralS3;

/**
 * An S3 repository against the backup repository contract, on a real S3 API server (S3Proxy); each
 * test in a bucket of its own, below a prefix; a second handle is a second repository on the bucket.
 */
class S3BackupRepositoryContractIT extends BackupRepositoryContract {
    private final EphemeralS3 s3 = EphemeralS3.shared();
    private String bucket;

    @Override
    protected BackupRepository createRepository() {
        bucket = S3Fixtures.newBucket(s3);
        return S3Fixtures.repository(s3, bucket, "backups/app").build();
    }

    @Override
    protected BackupRepository reopen() {
        return S3Fixtures.repository(s3, bucket, "backups/app").build();
    }
}
