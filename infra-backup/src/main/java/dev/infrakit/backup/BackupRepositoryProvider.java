package dev.infrakit.backup;

import dev.infrakit.core.Provider;
import dev.infrakit.core.SelectedBy;

/**
 * Creates a {@link BackupRepository} from configuration; selected by
 * {@code infrakit.backup.repository}. Built in: {@code local} ({@link LocalBackupRepository} in
 * the directory {@code infrakit.backup.local.dir}, created if needed). A missing or invalid value
 * is a {@link dev.infrakit.core.ConfigException} naming the key.
 *
 * <p>Implementations are listed in {@code META-INF/services} and in {@code module-info}
 * ({@code provides}), and must be thread-safe.
 */
@SelectedBy("infrakit.backup.repository")
public interface BackupRepositoryProvider extends Provider<BackupRepository> {
}
