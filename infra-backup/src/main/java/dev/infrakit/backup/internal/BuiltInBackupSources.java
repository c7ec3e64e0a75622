package dev.infrakit.backup.internal;

import dev.infrakit.backup.BackupSource;
import dev.infrakit.backup.BackupSourceProvider;
import dev.infrakit.backup.DirectorySource;
import dev.infrakit.backup.PostgresBackupSource;
import dev.infrakit.backup.PostgresBaseBackupSource;
import dev.infrakit.backup.PostgresClientBuilder;
import dev.infrakit.core.Config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

import static dev.infrakit.backup.internal.ProviderSettings.existingDirectory;
import static dev.infrakit.backup.internal.ProviderSettings.set;

/**
 * The {@link BackupSourceProvider}s infra-backup registers with ServiceLoader. A bad setting fails
 * at creation with a {@link dev.infrakit.core.ConfigException} naming its key (a password is
 * never shown).
 */
public final class BuiltInBackupSources {
    private BuiltInBackupSources() {
    }

    /**
     * {@code postgres}: {@link PostgresBackupSource}, keys under {@code infrakit.backup.postgres}:
     * {@code database} and {@code user} (required), {@code host} (localhost), {@code port} (5432),
     * {@code password} (unset: a pgpass file or trust), {@code bin-dir} (an existing directory
     * holding pg_dump; unset: the PATH, then /usr/lib/postgresql/N/bin), {@code globals} (false),
     * {@code timeout} (1h), and TLS: {@code ssl-mode} (unset: PGSSLMODE, else prefer),
     * {@code ssl-root-cert}, {@code ssl-cert}, {@code ssl-key} (readable files). Nothing is connected to until a backup runs.
     */
    public static final class Postgres implements BackupSourceProvider {
        @Override
        public String name() {
            return "postgres";
        }

        @Override
        public String description() {
            return "A PostgreSQL database dumped with pg_dump -Fc in one snapshot, with its row counts";
        }

        @Override
        public BackupSource create(Config config) {
            Config c = config.section("infrakit.backup.postgres");
            PostgresBackupSource.Builder b = PostgresBackupSource.builder();
            String database = c.getString("database");
            set(c, "database", "expected a database name (not blank, not starting with '-', without '=')",
                    () -> b.database(database));
            connection(c, b, "pg_dump");
            b.globals(c.getBoolean("globals", false));
            Duration timeout = c.getDuration("timeout", Duration.ofHours(1));
            set(c, "timeout", "expected a positive duration", () -> b.timeout(timeout));
            return b.build();
        }
    }

    /**
     * {@code postgres-base}: {@link PostgresBaseBackupSource}, the whole server with pg_basebackup
     * (the base of point-in-time recovery), keys under {@code infrakit.backup.postgres-base}:
     * {@code user} (required; a role with REPLICATION), {@code host}, {@code port}, {@code password},
     * {@code bin-dir}, TLS keys as for {@code postgres}, {@code compression} (gzip level 0 to 9,
     * default 1) and {@code timeout} (4h). Nothing is connected to until a backup runs.
     */
    public static final class PostgresBase implements BackupSourceProvider {
        @Override
        public String name() {
            return "postgres-base";
        }

        @Override
        public String description() {
            return "A whole PostgreSQL server with pg_basebackup (tar, every file's SHA-256, the WAL to be consistent)";
        }

        @Override
        public BackupSource create(Config config) {
            Config c = config.section("infrakit.backup.postgres-base");
            PostgresBaseBackupSource.Builder b = PostgresBaseBackupSource.builder();
            connection(c, b, "pg_basebackup");
            if (c.has("compression")) {
                int level = c.getInt("compression");
                set(c, "compression", "expected a gzip level from 0 to 9", () -> b.compression(level));
            }
            Duration timeout = c.getDuration("timeout", Duration.ofHours(4));
            set(c, "timeout", "expected a positive duration", () -> b.timeout(timeout));
            return b.build();
        }
    }

    /**
     * The connection keys both PostgreSQL sources share: {@code user} (required), {@code host},
     * {@code port}, {@code password}, {@code bin-dir} (holding {@code tool}), {@code ssl-mode},
     * {@code ssl-root-cert}, {@code ssl-cert}, {@code ssl-key}.
     */
    private static void connection(Config c, PostgresClientBuilder<?> b, String tool) {
        String user = c.getString("user");
        set(c, "user", "expected a role name (not blank, not starting with '-')", () -> b.user(user));
        if (c.has("host")) {
            String host = c.getString("host");
            set(c, "host", "expected a host name or address (not starting with '-')", () -> b.host(host));
        }
        int port = c.getInt("port", 5432);
        set(c, "port", "expected a port from 1 to 65535", () -> b.port(port));
        if (c.has("password")) {
            String password = c.getString("password");
            set(c, "password", "expected a non-empty password; leave it unset to use a pgpass file",
                    () -> b.password(password.toCharArray()));
        }
        if (c.has("bin-dir")) {
            Path binDir = existingDirectory(c, "bin-dir", "holding " + tool);
            b.binDir(binDir);
        }
        if (c.has("ssl-mode")) {
            String mode = c.getString("ssl-mode");
            set(c, "ssl-mode", "expected disable, allow, prefer, require, verify-ca or verify-full",
                    () -> b.sslMode(mode));
        }
        for (String key : new String[] {"ssl-root-cert", "ssl-cert", "ssl-key"}) {
            if (c.has(key)) {
                Path file = Path.of(c.getString(key));
                set(c, key, "expected a readable file", () -> {
                    switch (key) {
                        case "ssl-root-cert" -> b.sslRootCert(file);
                        case "ssl-cert" -> b.sslCert(file);
                        default -> b.sslKey(file);
                    }
                });
            }
        }
    }

    /**
     * {@code directory}: {@link DirectorySource}, keys under {@code infrakit.backup.directory}:
     * {@code root} (required, an existing directory), {@code name} (default: the directory's own
     * name), {@code include} and {@code exclude} (comma-separated glob patterns relative to the root),
     * {@code file-timeout} (the longest one file may take to be opened and read, default 10m).
     */
    public static final class Directory implements BackupSourceProvider {
        @Override
        public String name() {
            return "directory";
        }

        @Override
        public String description() {
            return "A directory archived as one tar.gz (links stored, never followed)";
        }

        @Override
        public BackupSource create(Config config) {
            Config c = config.section("infrakit.backup.directory");
            DirectorySource.Builder b = DirectorySource.builder(existingDirectory(c, "root", "to back up"));
            if (c.has("name")) {
                String name = c.getString("name");
                set(c, "name", "expected 1 to 121 letters, digits and . _ -, starting with a letter or digit",
                        () -> b.name(name));
            }
            patterns(c, "include", b::include);
            patterns(c, "exclude", b::exclude);
            if (c.has("file-timeout")) {
                Duration fileTimeout = c.getDuration("file-timeout");
                set(c, "file-timeout", "expected a positive duration", () -> b.fileTimeout(fileTimeout));
            }
            return b.build();
        }

        private static void patterns(Config c, String key, Consumer<String> add) {
            List<String> globs = c.getList(key, List.of());
            for (String glob : globs) {
                set(c, key, "expected glob patterns relative to the root (not starting with '/'); '" + glob
                        + "' is not one", () -> add.accept(glob));
            }
        }
    }
}
