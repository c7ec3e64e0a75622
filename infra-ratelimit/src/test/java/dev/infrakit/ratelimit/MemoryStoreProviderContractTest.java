package dev.infrakit.ratelimit;

import dev.infrakit.core.Config;
import dev.infrakit.core.contract.ProviderContract;
import dev.infrakit.ratelimit.internal.MemoryStoreProvider;

class MemoryStoreProviderContractTest extends ProviderContract<RateLimitStoreProvider> {
    @Override
    protected Class<RateLimitStoreProvider> spi() {
        return RateLimitStoreProvider.class;
    }

    @Override
    protected RateLimitStoreProvider provider() {
        return new MemoryStoreProvider();
    }

    @Override
    protected Config workingConfig() {
        return Config.empty();
    }
}
