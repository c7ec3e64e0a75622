package dev.infrakit.backup;

import dev.infrakit.core.Config;
import dev.infrakit.core.ConfigException;
import dev.infrakit.core.ProviderException;
import dev.infrakit.core.Providers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The built-in providers, found through ServiceLoader and configured from {@link Config}. */
class BackupProvidersTest {
    private static final String PASSWORD = "s3cret-Pa55word";

    @TempDir
    Path temp;

    private static Map<String, String> values(String... keyValues) {
        Map<String, String> values = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            values.put(keyValues[i], keyValues[i + 1]);
        }
        return values;
    }

    private static Config config(String... keyValues) {
        return Config.of(values(keyValues));
    }

    private static BackupSource source(Config config) {
        return Providers.load(BackupSourceProvider.class, config);
    }

    private static BackupRepository repository(Config config) {
        return Providers.load(BackupRepositoryProvider.class, config);
    }

    private static ConfigException sourceError(Config config) {
        return assertThrows(ConfigException.class, () -> source(config));
    }

    @Test
    void theBuiltInsAreDiscovered() {
        assertEquals(List.of("postgres", "postgres-base", "directory"), Providers.discover(BackupSourceProvider.class).names());
        assertEquals(List.of("local", "s3"), Providers.discover(BackupRepositoryProvider.class).names());
        assertTrue(Providers.discover(BackupSourceProvider.class).failures().isEmpty());
    }

    @Test
    void aDirectoryIsBackedUpIntoALocalRepositoryFromConfig() throws IOException {
        Path data = Files.createDirectories(temp.resolve("data"));
        Files.writeString(data.resolve("a.txt"), "a");
        Files.writeString(data.resolve("b.log"), "b");
        Files.createDirectories(data.resolve("sub"));
        Files.writeString(data.resolve("sub/c.txt"), "c");
        Files.createDirectories(data.resolve("cache"));
        Files.writeString(data.resolve("cache/d.txt"), "d");
        Config config = config("infrakit.backup.source", "directory",
                "infrakit.backup.directory.root", data.toString(),
                "infrakit.backup.directory.name", "files",
                "infrakit.backup.directory.include", "*.txt, sub, sub/**",
                "infrakit.backup.directory.exclude", "cache",
                "infrakit.backup.repository", "local",
                "infrakit.backup.local.dir", temp.resolve("repo").toString());

        BackupSource source = source(config);
        DirectorySource directory = assertInstanceOf(DirectorySource.class, source);
        assertEquals("directory:files", directory.name());
        assertEquals("files.tar.gz", directory.artifactName());
        try (BackupRepository repo = repository(config)) {
            LocalBackupRepository local = assertInstanceOf(LocalBackupRepository.class, repo);
            assertEquals(temp.resolve("repo").toRealPath(), local.directory());

            Manifest m = BackupRunner.builder(source, repo).minimumFreeBytes(0).build().run(BackupKind.MANUAL);
            assertEquals(BackupStatus.VERIFIED, m.status());
            byte[] archive;
            try (InputStream in = repo.open(m.id(), "files.tar.gz")) {
                archive = in.readAllBytes();
            }
            assertEquals(List.of("a.txt", "sub/", "sub/c.txt"),
                    TinyTarReader.readGzip(archive).stream().map(TinyTarReader.Entry::name).toList());
        }
    }

    @Test
    void theDirectorysOwnNameIsTheDefault() throws IOException {
        Path data = Files.createDirectories(temp.resolve("app-data"));
        BackupSource source = source(config("infrakit.backup.source", "directory",
                "infrakit.backup.directory.root", data.toString()));
        assertEquals("directory:app-data", source.name());
        assertEquals(java.time.Duration.ofMinutes(10), ((DirectorySource) source).fileTimeout());
    }

    @Test
    void theFileTimeoutComesFromConfigAndMustBePositive() throws IOException {
        Path data = Files.createDirectories(temp.resolve("app-data"));
        BackupSource source = source(config("infrakit.backup.source", "directory",
                "infrakit.backup.directory.root", data.toString(), "infrakit.backup.directory.file-timeout", "30s"));
        assertEquals(java.time.Duration.ofSeconds(30), ((DirectorySource) source).fileTimeout());

        ConfigException zero = sourceError(config("infrakit.backup.source", "directory",
                "infrakit.backup.directory.root", data.toString(), "infrakit.backup.directory.file-timeout", "0s"));
        assertEquals("infrakit.backup.directory.file-timeout", zero.key());
        assertTrue(zero.getMessage().contains("expected a positive duration"), zero::getMessage);
    }

    @Test
    void directoryErrorsNameTheKey() throws IOException {
        ConfigException missing = sourceError(config("infrakit.backup.source", "directory"));
        assertEquals("infrakit.backup.directory.root", missing.key());

        ConfigException absent = sourceError(config("infrakit.backup.source", "directory",
                "infrakit.backup.directory.root", temp.resolve("nowhere").toString()));
        assertEquals("infrakit.backup.directory.root", absent.key());
        assertTrue(absent.getMessage().contains("expected an existing directory"), absent::getMessage);

        Path file = Files.writeString(temp.resolve("file"), "x");
        assertEquals("infrakit.backup.directory.root", sourceError(config("infrakit.backup.source", "directory",
                "infrakit.backup.directory.root", file.toString())).key());

        ConfigException badName = sourceError(config("infrakit.backup.source", "directory",
                "infrakit.backup.directory.root", temp.toString(), "infrakit.backup.directory.name", "../escape"));
        assertEquals("infrakit.backup.directory.name", badName.key());
        assertTrue(badName.getMessage().contains("../escape"), badName::getMessage);

        ConfigException badInclude = sourceError(config("infrakit.backup.source", "directory",
                "infrakit.backup.directory.root", temp.toString(), "infrakit.backup.directory.include", "*.txt,/etc"));
        assertEquals("infrakit.backup.directory.include", badInclude.key());
        assertTrue(badInclude.getMessage().contains("'/etc' is not one"), badInclude::getMessage);

        ConfigException badExclude = sourceError(config("infrakit.backup.source", "directory",
                "infrakit.backup.directory.root", temp.toString(), "infrakit.backup.directory.exclude", "a[b"));
        assertEquals("infrakit.backup.directory.exclude", badExclude.key());

        ConfigException emptyElement = sourceError(config("infrakit.backup.source", "directory",
                "infrakit.backup.directory.root", temp.toString(), "infrakit.backup.directory.exclude", "a,,b"));
        assertEquals("infrakit.backup.directory.exclude", emptyElement.key());
    }

    @Test
    void localRepositoryErrorsNameTheKey() throws IOException {
        ConfigException missing = assertThrows(ConfigException.class,
                () -> repository(config("infrakit.backup.repository", "local")));
        assertEquals("infrakit.backup.local.dir", missing.key());

        ConfigException blank = assertThrows(ConfigException.class,
                () -> repository(config("infrakit.backup.repository", "local", "infrakit.backup.local.dir", " ")));
        assertEquals("infrakit.backup.local.dir", blank.key());

        Path file = Files.writeString(temp.resolve("file"), "x");
        ConfigException notADirectory = assertThrows(ConfigException.class, () -> repository(config(
                "infrakit.backup.repository", "local", "infrakit.backup.local.dir", file.toString())));
        assertEquals("infrakit.backup.local.dir", notADirectory.key());

        ConfigException underAFile = assertThrows(ConfigException.class, () -> repository(config(
                "infrakit.backup.repository", "local", "infrakit.backup.local.dir", file.resolve("sub").toString())));
        assertEquals("infrakit.backup.local.dir", underAFile.key());
        assertInstanceOf(BackupException.class, underAFile.getCause());

        ProviderException unknown = assertThrows(ProviderException.class,
                () -> repository(config("infrakit.backup.repository", "gcs")));
        assertTrue(unknown.getMessage().contains("available: local, s3"), unknown::getMessage);
        ConfigException noLocation = assertThrows(ConfigException.class,
                () -> repository(config("infrakit.backup.repository", "s3")));
        assertEquals("infrakit.backup.s3.location", noLocation.key());
    }

    @Test
    void postgresIsConfiguredWithoutConnecting() {
        BackupSource source = source(config("infrakit.backup.source", "postgres",
                "infrakit.backup.postgres.host", "db.example.com", "infrakit.backup.postgres.port", "6543",
                "infrakit.backup.postgres.database", "app", "infrakit.backup.postgres.user", "backup",
                "infrakit.backup.postgres.password", PASSWORD, "infrakit.backup.postgres.globals", "yes",
                "infrakit.backup.postgres.timeout", "20m", "infrakit.backup.postgres.bin-dir", temp.toString(),
                "infrakit.backup.postgres.ssl-mode", "verify-full"));
        assertInstanceOf(PostgresBackupSource.class, source);
        assertEquals("postgres:app", source.name());
        String described = source.toString();
        assertTrue(described.contains("backup@db.example.com:6543 (sslmode verify-full)")
                && described.contains("with globals"), described);
        assertFalse(described.contains(PASSWORD), described);
    }

    @Test
    void postgresErrorsNameTheKeyAndNeverShowThePassword() {
        String[] base = {"infrakit.backup.source", "postgres", "infrakit.backup.postgres.database", "app",
                "infrakit.backup.postgres.user", "backup", "infrakit.backup.postgres.password", PASSWORD};
        Map<String, String> cases = Map.of(
                "infrakit.backup.postgres.port", "70000",
                "infrakit.backup.postgres.host", "-oProxyCommand",
                "infrakit.backup.postgres.timeout", "0s",
                "infrakit.backup.postgres.globals", "maybe",
                "infrakit.backup.postgres.bin-dir", temp.resolve("no-such-bin").toString(),
                "infrakit.backup.postgres.database", "-app",
                "infrakit.backup.postgres.user", " ",
                "infrakit.backup.postgres.ssl-mode", "verify_full",
                "infrakit.backup.postgres.ssl-root-cert", temp.resolve("no-such-root.crt").toString());
        cases.forEach((key, bad) -> {
            Map<String, String> values = values(base);
            values.put(key, bad);
            ConfigException e = sourceError(Config.of(values));
            assertEquals(key, e.key(), e::getMessage);
            assertFalse(e.getMessage().contains(PASSWORD), e::getMessage);
        });

        for (String required : List.of("database", "user")) {
            Map<String, String> values = values(base);
            values.remove("infrakit.backup.postgres." + required);
            assertEquals("infrakit.backup.postgres." + required, sourceError(Config.of(values)).key());
        }

        Map<String, String> emptyPassword = values(base);
        emptyPassword.put("infrakit.backup.postgres.password", "");
        ConfigException e = sourceError(Config.of(emptyPassword));
        assertEquals("infrakit.backup.postgres.password", e.key());
        assertTrue(e.getMessage().contains("leave it unset"), e::getMessage);

        Map<String, String> badPort = values(base);
        badPort.put("infrakit.backup.postgres.port", "70000");
        ConfigException port = sourceError(Config.of(badPort));
        assertTrue(port.getMessage().contains("70000") && port.getMessage().contains("1 to 65535"), port::getMessage);
    }

    @Test
    void postgresBaseIsConfiguredWithoutConnectingAndItsErrorsNameTheKey() {
        String[] base = {"infrakit.backup.source", "postgres-base", "infrakit.backup.postgres-base.user", "replicator",
                "infrakit.backup.postgres-base.password", PASSWORD};
        Map<String, String> values = values(base);
        values.putAll(Map.of("infrakit.backup.postgres-base.host", "db.example.com",
                "infrakit.backup.postgres-base.port", "6543", "infrakit.backup.postgres-base.compression", "6",
                "infrakit.backup.postgres-base.timeout", "2h"));
        BackupSource source = source(Config.of(values));
        assertInstanceOf(PostgresBaseBackupSource.class, source);
        assertEquals("postgres-cluster:db.example.com:6543", source.name());
        assertTrue(source.toString().contains("gzip 6"), source.toString());
        assertFalse(source.toString().contains(PASSWORD), source.toString());

        Map<String, String> cases = Map.of(
                "infrakit.backup.postgres-base.compression", "12",
                "infrakit.backup.postgres-base.port", "0",
                "infrakit.backup.postgres-base.host", "-oProxyCommand",
                "infrakit.backup.postgres-base.timeout", "0s",
                "infrakit.backup.postgres-base.bin-dir", temp.resolve("no-such-bin").toString(),
                "infrakit.backup.postgres-base.ssl-mode", "sometimes");
        cases.forEach((key, bad) -> {
            Map<String, String> broken = values(base);
            broken.put(key, bad);
            ConfigException e = sourceError(Config.of(broken));
            assertEquals(key, e.key(), e::getMessage);
            assertFalse(e.getMessage().contains(PASSWORD), e::getMessage);
        });
        Map<String, String> noUser = values(base);
        noUser.remove("infrakit.backup.postgres-base.user");
        assertEquals("infrakit.backup.postgres-base.user", sourceError(Config.of(noUser)).key());
    }
}
