package dev.infrakit.backup;

import dev.infrakit.backup.internal.BuiltInBackupRepositories;
import dev.infrakit.backup.internal.BuiltInBackupSources;
import dev.infrakit.core.Config;
import dev.infrakit.core.contract.ProviderContract;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

/** {@link ProviderContract} for every provider infra-backup ships. */
class BuiltInProvidersContractTest {
    @TempDir
    Path temp;

    /** Creating the source connects to nothing, so no server is needed. */
    @Nested
    class Postgres extends ProviderContract<BackupSourceProvider> {
        @Override
        protected Class<BackupSourceProvider> spi() {
            return BackupSourceProvider.class;
        }

        @Override
        protected BackupSourceProvider provider() {
            return new BuiltInBackupSources.Postgres();
        }

        @Override
        protected Config workingConfig() {
            return Config.of(Map.of("infrakit.backup.postgres.database", "app",
                    "infrakit.backup.postgres.user", "backup"));
        }
    }

    @Nested
    class Directory extends ProviderContract<BackupSourceProvider> {
        @Override
        protected Class<BackupSourceProvider> spi() {
            return BackupSourceProvider.class;
        }

        @Override
        protected BackupSourceProvider provider() {
            return new BuiltInBackupSources.Directory();
        }

        @Override
        protected Config workingConfig() {
            return Config.of(Map.of("infrakit.backup.directory.root", temp.toString()));
        }
    }

    @Nested
    class Local extends ProviderContract<BackupRepositoryProvider> {
        @Override
        protected Class<BackupRepositoryProvider> spi() {
            return BackupRepositoryProvider.class;
        }

        @Override
        protected BackupRepositoryProvider provider() {
            return new BuiltInBackupRepositories.Local();
        }

        @Override
        protected Config workingConfig() {
            return Config.of(Map.of("infrakit.backup.local.dir", temp.resolve("repo").toString()));
        }
    }
}
