package dev.infrakit.test.backup;

import dev.infrakit.backup.S3BackupRepository;
import dev.infrakit.testkit.EphemeralS3;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

import java.util.concurrent.atomic.AtomicInteger;

/** S3 repositories on an {@link EphemeralS3} server, each test in a bucket of its own. */
final class S3Fixtures {
    private static final AtomicInteger BUCKETS = new AtomicInteger();

    private S3Fixtures() {
    }

    /** A plain SDK client of {@code s3}, for setting up and inspecting what the repository stored. */
    static S3Client client(EphemeralS3 s3) {
        return S3Client.builder().endpointOverride(s3.endpoint()).region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(s3.accessKey(), s3.secretKey())))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClient(UrlConnectionHttpClient.create()).build();
    }

    /** Creates a new, empty bucket and returns its name. */
    static String newBucket(EphemeralS3 s3) {
        String bucket = "test-" + ProcessHandle.current().pid() + "-" + BUCKETS.incrementAndGet();
        try (S3Client client = client(s3)) {
            client.createBucket(r -> r.bucket(bucket));
        }
        return bucket;
    }

    /** A repository builder for {@code s3://bucket/prefix} on {@code s3}, signed with its keys. */
    static S3BackupRepository.Builder repository(EphemeralS3 s3, String bucket, String prefix) {
        return S3BackupRepository.builder().bucket(bucket).prefix(prefix).endpoint(s3.endpoint()).pathStyle(true)
                .credentials(s3.accessKey(), s3.secretKey()).checksumsWhenRequired(true);
    }
}
