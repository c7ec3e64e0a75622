package dev.infrakit.core.notify;

import dev.infrakit.core.Provider;
import dev.infrakit.core.SelectedBy;

/**
 * Creates a {@link Notifier} from configuration; selected by {@code infrakit.notify.kind}
 * ({@code webhook}, {@code email}, {@code slf4j}).
 */
@SelectedBy("infrakit.notify.kind")
public interface NotifierProvider extends Provider<Notifier> {
}
