package dev.infrakit.test.core;

import dev.infrakit.core.fixtures.EnglishGreeterProvider;
import dev.infrakit.core.Config;
import dev.infrakit.test.contract.ProviderContract;
import dev.infrakit.core.fixtures.GreeterProvider;

/** Runs the provider contract kit against a test provider, so the kit itself is exercised. */
class EnglishGreeterProviderContractTest extends ProviderContract<GreeterProvider> {
    @Override
    protected Class<GreeterProvider> spi() {
        return GreeterProvider.class;
    }

    @Override
    protected GreeterProvider provider() {
        return new EnglishGreeterProvider();
    }

    @Override
    protected Config workingConfig() {
        return Config.empty();
    }
}
