package dev.infrakit.backup.internal;

import dev.infrakit.backup.BackupException;
import dev.infrakit.backup.BackupRepository;
import dev.infrakit.backup.BackupRepositoryProvider;
import dev.infrakit.backup.LocalBackupRepository;
import dev.infrakit.core.Config;
import dev.infrakit.core.ConfigException;

import java.nio.file.Files;
import java.nio.file.Path;

import static dev.infrakit.backup.internal.ProviderSettings.path;

/**
 * The {@link BackupRepositoryProvider}s infra-backup registers with ServiceLoader. A bad setting
 * fails at creation with a {@link ConfigException} naming its key.
 */
public final class BuiltInBackupRepositories {
    private BuiltInBackupRepositories() {
    }

    /**
     * {@code local}: {@link LocalBackupRepository} in {@code infrakit.backup.local.dir}, created if
     * it does not exist.
     */
    public static final class Local implements BackupRepositoryProvider {
        @Override
        public String name() {
            return "local";
        }

        @Override
        public String description() {
            return "Backups in a local (or mounted) directory, published atomically, with a run lock";
        }

        @Override
        public BackupRepository create(Config config) {
            Config c = config.section("infrakit.backup.local");
            Path dir = path(c, "dir");
            if (Files.exists(dir) && !Files.isDirectory(dir)) {
                throw c.invalid("dir", "expected a directory, but it is a file");
            }
            try {
                return LocalBackupRepository.open(dir);
            } catch (BackupException e) {
                ConfigException problem = c.invalid("dir", "expected a directory that can be created and read ("
                        + e.getMessage() + ")");
                problem.initCause(e);
                throw problem;
            }
        }
    }
}
