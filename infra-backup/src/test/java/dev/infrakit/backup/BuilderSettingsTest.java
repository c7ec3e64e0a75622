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
        assertEquals(Set.of("offsite", "retention", "drill", "clock", "auditSink", "notifier", "minimumFreeBytes"),
                BuilderContract.of(() -> BackupRunner.builder(source, repository))
                        .value(RetentionPolicy.class, RetentionPolicy.defaults()).check());
        assertEquals(Set.of("name", "fileTimeout"),
                BuilderContract.of(() -> DirectorySource.builder(data)).adders("include", "exclude").check());
        assertEquals(plus(CONNECTION, "database", "globals"), postgres(PostgresBackupSource::builder).check());
        assertEquals(plus(CONNECTION, "allowPrivilegedRole", "maintenanceDatabase"),
                postgres(PostgresRestore::builder).check());
        assertEquals(plus(CONNECTION, "allowPrivilegedRole", "maintenanceDatabase", "onThrowawayServer",
                        "throwawayServerOsUser", "clock"),
                postgres(RestoreDrill::builder).adders("check").check());
        assertEquals(Set.of("runs", "lastSuccess", "lastDuration", "lastSize"),
                BuilderContract.of(BackupMetricNames::custom).check());
    }

    @Test
    void unsetNamesTakeTheirDefaults() {
        assertEquals(BackupMetricNames.DEFAULT, BackupMetricNames.custom().build());
        assertEquals("app.backups", BackupMetricNames.custom().runs("app.backups").build().runs());
    }
}
