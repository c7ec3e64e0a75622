package dev.infrakit.ratelimit;

import dev.infrakit.core.Provider;
import dev.infrakit.core.SelectedBy;

/**
 * Creates a {@link RateLimitStore} from configuration; selected by {@code infrakit.ratelimit.store}
 * ({@code memory} is built in).
 */
@SelectedBy("infrakit.ratelimit.store")
public interface RateLimitStoreProvider extends Provider<RateLimitStore> {
}
