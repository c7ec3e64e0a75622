package dev.infrakit.spring.boot;

import dev.infrakit.backup.BackupKeys;
import dev.infrakit.backup.BackupKind;
import dev.infrakit.backup.BackupRepository;
import dev.infrakit.backup.BackupRunner;
import dev.infrakit.backup.BackupStatus;
import dev.infrakit.backup.EncryptedBackupRepository;
import dev.infrakit.backup.Manifest;
import dev.infrakit.backup.S3BackupRepository;
import dev.infrakit.testkit.EphemeralS3;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

import static dev.infrakit.spring.boot.StartupFailures.assertFailedNaming;
import static org.assertj.core.api.Assertions.assertThat;

/** Backups to S3 (S3Proxy), encrypted, configured in properties alone: the same keys as {@code Providers}. */
class InfrakitBackupS3IT {
    private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(
            AutoConfigurations.of(InfrakitBackupAutoConfiguration.class, InfrakitHealthAutoConfiguration.class));

    @TempDir
    Path dir;

    @Test
    void anEncryptedS3RepositoryFromPropertiesBacksUpAndReadsBack() throws Exception {
        EphemeralS3 s3 = EphemeralS3.shared();
        String bucket = "boot-" + ProcessHandle.current().pid();
        try (S3Client client = S3Client.builder().endpointOverride(s3.endpoint()).region(Region.US_EAST_1)
                .forcePathStyle(true).httpClient(UrlConnectionHttpClient.create())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(s3.accessKey(),
                        s3.secretKey())))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED).build()) {
            client.createBucket(r -> r.bucket(bucket));
        }
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.writeString(data.resolve("notes.txt"), "what is backed up");
        byte[] key = new byte[BackupKeys.KEY_BYTES];
        new SecureRandom().nextBytes(key);
        Path keys = Files.writeString(dir.resolve("backup.keys"), "boot-1 " + Base64.getEncoder().encodeToString(key) + "\n");
        Files.setPosixFilePermissions(keys, PosixFilePermissions.fromString("rw-------"));
        String[] properties = {"infrakit.backup.source=directory", "infrakit.backup.directory.root=" + data,
            "infrakit.backup.repository=s3", "infrakit.backup.s3.location=s3://" + bucket + "/app",
            "infrakit.backup.s3.endpoint=" + s3.endpoint(), "infrakit.backup.s3.path-style=true",
            "infrakit.backup.s3.checksums-when-required=true", "infrakit.backup.s3.access-key-id=" + s3.accessKey(),
            "infrakit.backup.s3.secret-access-key=" + s3.secretKey(), "infrakit.backup.encryption.key-file=" + keys};
        runner.withPropertyValues(properties).run(context -> {
            assertThat(context).hasNotFailed();
            EncryptedBackupRepository repository = (EncryptedBackupRepository) context.getBean(BackupRepository.class);
            assertThat(repository.underlying()).isInstanceOf(S3BackupRepository.class);
            Manifest manifest = context.getBean(BackupRunner.class).run(BackupKind.DAILY);
            assertThat(manifest.status()).isEqualTo(BackupStatus.VERIFIED);
            assertThat(repository.keyId(manifest.id())).contains("boot-1");
        });
        runner.withPropertyValues(properties).withPropertyValues("infrakit.backup.s3.location=s3://" + bucket + "/a/../b")
                .run(context -> assertFailedNaming(context, "infrakit.backup.s3.location"));
    }
}
