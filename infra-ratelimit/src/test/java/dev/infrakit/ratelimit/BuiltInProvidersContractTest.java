package dev.infrakit.ratelimit;

import dev.infrakit.core.Config;
import dev.infrakit.core.contract.ProviderContract;
import dev.infrakit.ratelimit.internal.BuiltInRateLimitStores;
import org.junit.jupiter.api.Nested;

/** {@link ProviderContract} for the built-in providers that need no server ({@code postgres}: {@code PostgresProviderContractIT}). */
class BuiltInProvidersContractTest {
    @Nested
    class Memory extends ProviderContract<RateLimitStoreProvider> {
        @Override
        protected Class<RateLimitStoreProvider> spi() {
            return RateLimitStoreProvider.class;
        }

        @Override
        protected RateLimitStoreProvider provider() {
            return new BuiltInRateLimitStores.Memory();
        }

        @Override
        protected Config workingConfig() {
            return Config.empty();
        }
    }
}
