package dev.infrakit.test.ratelimit;

import dev.infrakit.core.Config;
import dev.infrakit.test.BuiltInProviders;
import dev.infrakit.test.contract.ProviderContract;
import dev.infrakit.ratelimit.RateLimitStoreProvider;

class MemoryStoreProviderContractTest extends ProviderContract<RateLimitStoreProvider> {
    @Override
    protected Class<RateLimitStoreProvider> spi() {
        return RateLimitStoreProvider.class;
    }

    @Override
    protected RateLimitStoreProvider provider() {
        return BuiltInProviders.create(RateLimitStoreProvider.class, "dev.infrakit.ratelimit.internal.MemoryStoreProvider");
    }

    @Override
    protected Config workingConfig() {
        return Config.empty();
    }
}
