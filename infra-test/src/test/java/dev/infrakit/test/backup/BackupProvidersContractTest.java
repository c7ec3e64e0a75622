package dev.infrakit.test.backup;

import dev.infrakit.backup.BackupRepositoryProvider;
import dev.infrakit.backup.BackupSourceProvider;
import dev.infrakit.core.Config;
import dev.infrakit.test.BuiltInProviders;
import dev.infrakit.test.contract.ProviderContract;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

/** Every provider infra-backup registers (sources and repositories) against the provider contract. */
class BackupProvidersContractTest {

    @Nested
    class PostgresSource extends ProviderContract<BackupSourceProvider> {
        @Override
        protected Class<BackupSourceProvider> spi() {
            return BackupSourceProvider.class;
        }

        @Override
        protected BackupSourceProvider provider() {
            return BuiltInProviders.create(BackupSourceProvider.class, "dev.infrakit.backup.internal.BuiltInBackupSources$Postgres");
        }

        /** Nothing is connected to until a backup runs, so no server is needed. */
        @Override
        protected Config workingConfig() {
            return Config.of(Map.of("infrakit.backup.postgres.database", "app", "infrakit.backup.postgres.user", "backup"));
        }
    }

    @Nested
    class PostgresBaseSource extends ProviderContract<BackupSourceProvider> {
        @Override
        protected Class<BackupSourceProvider> spi() {
            return BackupSourceProvider.class;
        }

        @Override
        protected BackupSourceProvider provider() {
            return BuiltInProviders.create(BackupSourceProvider.class,
                    "dev.infrakit.backup.internal.BuiltInBackupSources$PostgresBase");
        }

        /** Nothing is connected to until a backup runs, so no server is needed. */
        @Override
        protected Config workingConfig() {
            return Config.of(Map.of("infrakit.backup.postgres-base.user", "replicator",
                    "infrakit.backup.postgres-base.compression", "6"));
        }
    }

    @Nested
    class DirectorySource extends ProviderContract<BackupSourceProvider> {
        @TempDir
        Path root;

        @Override
        protected Class<BackupSourceProvider> spi() {
            return BackupSourceProvider.class;
        }

        @Override
        protected BackupSourceProvider provider() {
            return BuiltInProviders.create(BackupSourceProvider.class, "dev.infrakit.backup.internal.BuiltInBackupSources$Directory");
        }

        @Override
        protected Config workingConfig() {
            return Config.of(Map.of("infrakit.backup.directory.root", root.toString()));
        }
    }

    @Nested
    class LocalRepository extends ProviderContract<BackupRepositoryProvider> {
        @TempDir
        Path dir;

        @Override
        protected Class<BackupRepositoryProvider> spi() {
            return BackupRepositoryProvider.class;
        }

        @Override
        protected BackupRepositoryProvider provider() {
            return BuiltInProviders.create(BackupRepositoryProvider.class, "dev.infrakit.backup.internal.BuiltInBackupRepositories$Local");
        }

        @Override
        protected Config workingConfig() {
            return Config.of(Map.of("infrakit.backup.local.dir", dir.resolve("backups").toString()));
        }
    }
}
