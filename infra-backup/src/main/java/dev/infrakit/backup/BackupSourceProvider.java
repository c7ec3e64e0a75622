package dev.infrakit.backup;

import dev.infrakit.core.Provider;
import dev.infrakit.core.SelectedBy;

/**
 * Creates a {@link BackupSource} from configuration; selected by {@code infrakit.backup.source}.
 * Built in: {@code postgres} ({@link PostgresBackupSource}, keys under
 * {@code infrakit.backup.postgres}: {@code host}, {@code port}, {@code database}, {@code user},
 * {@code password}, {@code bin-dir}, {@code globals}, {@code timeout}) and {@code directory}
 * ({@link DirectorySource}, keys under {@code infrakit.backup.directory}: {@code root},
 * {@code name}, {@code include}, {@code exclude}). A missing or invalid value is a
 * {@link dev.infrakit.core.ConfigException} naming the key; a password is never shown.
 *
 * <p>Implementations are listed in {@code META-INF/services} and in {@code module-info}
 * ({@code provides}), and must be thread-safe.
 */
@SelectedBy("infrakit.backup.source")
public interface BackupSourceProvider extends Provider<BackupSource> {
}
