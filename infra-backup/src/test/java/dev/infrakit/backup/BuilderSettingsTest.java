package dev.infrakit.backup;

import dev.infrakit.core.fixtures.BuilderContract;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every setter of every builder in infra-backup refuses a second value. */
class BuilderSettingsTest {
    private static final Set<String> CONNECTION = Set.of("host", "port", "user", "password", "sslMode", "sslRootCert",
            "sslCert", "sslKey", "binDir", "timeout");

    @TempDir
    Path temp;

    private BuilderContract postgres(java.util.function.Supplier<?> builder) throws IOException {
        Path pem = Files.writeString(temp.resolve("some.pem"), "-----BEGIN CERTIFICATE-----\n");
        return BuilderContract.of(builder).value("sslMode", "require").value(Path.class, pem);
    }

    private static Set<String> plus(Set<String> a, String... more) {
        java.util.Set<String> all = new java.util.HashSet<>(a);
        all.addAll(Set.of(more));
        return all;
    }

    @Test
    void everyBuilderRefusesASettingGivenTwice() throws IOException {
        Path data = Files.createDirectories(temp.resolve("data"));
        LocalBackupRepository repository = LocalBackupRepository.open(temp.resolve("repo"));
        DirectorySource source = DirectorySource.builder(data).build();
        assertEquals(Set.of("offsite", "retention", "drill", "clock", "auditSink", "notifier", "minimumFreeBytes",
                        "walRetention"),
                BuilderContract.of(() -> BackupRunner.builder(source, repository))
                        .value(RetentionPolicy.class, RetentionPolicy.defaults())
                        .value(WalRetention.class, WalRetention.keeping(java.time.Duration.ofDays(7))).check());
        assertEquals(Set.of("name", "fileTimeout"),
                BuilderContract.of(() -> DirectorySource.builder(data)).adders("include", "exclude").check());
        assertEquals(plus(CONNECTION, "database", "globals"), postgres(PostgresBackupSource::builder).check());
        assertEquals(plus(CONNECTION, "compression", "maxRate"), postgres(PostgresBaseBackupSource::builder)
                .value("compression", 1).value("maxRate", 1L << 20)
                .check());
        assertEquals(Set.of("repository", "backup", "target", "dataDirectory", "osUser", "binDir", "timeout", "verify"),
                BuilderContract.of(PointInTimeRestore::builder).value(BackupRepository.class, repository)
                        .value("backup", "20261207T000000Z-abcdef").value("osUser", "postgres")
                        .value(PointInTimeRestore.Target.class, PointInTimeRestore.Target.latest())
                        .value(Path.class, temp).value(java.time.Duration.class, java.time.Duration.ofMinutes(1)).check());
        assertEquals(Set.of("user", "password", "database", "workDirectory", "osUser", "binDir", "timeout", "walWait",
                        "clock"),
                BuilderContract.of(PointInTimeDrill::builder).adders("check").value("user", "restorer")
                        .value("database", "app").value("osUser", "postgres")
                        .value(Path.class, temp).value(java.time.Duration.class, java.time.Duration.ofMinutes(1))
                        .value(java.time.Clock.class, java.time.Clock.systemUTC()).check());
        assertEquals(plus(CONNECTION, "archive", "spool", "slot", "synchronous", "clock"), postgres(WalArchiver::builder)
                .value(WalArchive.class, repository.walArchive().orElseThrow()).value("slot", "wal_slot")
                .value(java.time.Clock.class, java.time.Clock.systemUTC()).check());
        assertEquals(plus(CONNECTION, "allowPrivilegedRole", "maintenanceDatabase"),
                postgres(PostgresRestore::builder).check());
        assertEquals(plus(CONNECTION, "allowPrivilegedRole", "maintenanceDatabase", "onThrowawayServer",
                        "throwawayServerOsUser", "clock"),
                postgres(RestoreDrill::builder).adders("check").check());
        assertEquals(Set.of("runs", "lastSuccess", "lastDuration", "lastSize"),
                BuilderContract.of(BackupMetricNames::custom).check());
        try (software.amazon.awssdk.services.s3.S3Client client = software.amazon.awssdk.services.s3.S3Client.builder()
                .region(software.amazon.awssdk.regions.Region.US_EAST_1)
                .credentialsProvider(software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider.create())
                .httpClient(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.create()).build()) {
            assertEquals(Set.of("location", "bucket", "prefix", "endpoint", "region", "pathStyle", "credentials",
                            "credentialsProvider", "checksumsWhenRequired", "partSize", "client", "lockExpiry", "clock"),
                    BuilderContract.of(S3BackupRepository::builder)
                            .value("location", "s3://bucket-ok/x").value("bucket", "bucket-ok").value("prefix", "x")
                            .value("region", "eu-west-1").value("credentials", "id", "secret")
                            .value("partSize", S3BackupRepository.DEFAULT_PART_SIZE)
                            .value("lockExpiry", java.time.Duration.ofMinutes(1))
                            .value(java.net.URI.class, java.net.URI.create("http://127.0.0.1:9000"))
                            .value(software.amazon.awssdk.auth.credentials.AwsCredentialsProvider.class,
                                    software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider.create())
                            .value(software.amazon.awssdk.services.s3.S3Client.class, client)
                            .value(java.time.Clock.class, java.time.Clock.systemUTC()).check());
        }
    }

    @Test
    void unsetNamesTakeTheirDefaults() {
        assertEquals(BackupMetricNames.DEFAULT, BackupMetricNames.custom().build());
        assertEquals("app.backups", BackupMetricNames.custom().runs("app.backups").build().runs());
    }
}
