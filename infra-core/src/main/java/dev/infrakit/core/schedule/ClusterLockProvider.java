package dev.infrakit.core.schedule;

import dev.infrakit.core.Provider;
import dev.infrakit.core.SelectedBy;

/**
 * Creates a {@link ClusterLock} from configuration; selected by {@code infrakit.schedule.lock}
 * ({@code local} and {@code postgres} are built in).
 */
@SelectedBy("infrakit.schedule.lock")
public interface ClusterLockProvider extends Provider<ClusterLock> {
}
