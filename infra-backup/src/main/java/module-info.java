/**
 * Infrakit backup: {@link dev.infrakit.backup.BackupSource}s (PostgreSQL through pg_dump, a
 * directory as tar.gz) written to {@link dev.infrakit.backup.BackupRepository}s with a
 * {@link dev.infrakit.backup.Manifest} per backup, checksums, retention, off-site copies, restore
 * drills and freshness checks.
 */
module dev.infrakit.backup {
    requires transitive dev.infrakit.core;
    requires transitive dev.infrakit.audit;
    requires com.fasterxml.jackson.databind;
    requires org.slf4j;
    // Optional: BackupRunner.metrics() (Micrometer).
    requires static micrometer.core;
    // Optional: S3BackupRepository (the AWS SDK v2 S3 client on the JDK's HTTP client).
    requires static software.amazon.awssdk.services.s3;
    requires static software.amazon.awssdk.http.urlconnection;
    requires static software.amazon.awssdk.core;
    requires static software.amazon.awssdk.auth;
    requires static software.amazon.awssdk.regions;
    requires static software.amazon.awssdk.awscore;
    requires static software.amazon.awssdk.http;
    requires static software.amazon.awssdk.identity.spi;

    exports dev.infrakit.backup;

    provides dev.infrakit.backup.BackupSourceProvider with
            dev.infrakit.backup.internal.BuiltInBackupSources.Postgres,
            dev.infrakit.backup.internal.BuiltInBackupSources.PostgresBase,
            dev.infrakit.backup.internal.BuiltInBackupSources.Directory;
    provides dev.infrakit.backup.BackupRepositoryProvider with
            dev.infrakit.backup.internal.BuiltInBackupRepositories.Local,
            dev.infrakit.backup.internal.BuiltInBackupRepositories.S3;
}
