package dev.infrakit.test.contract;

import dev.infrakit.core.Config;
import dev.infrakit.core.Provider;
import dev.infrakit.core.Providers;

import org.junit.jupiter.api.Test;

import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Contract test kit for {@link Provider} implementations.
 * Extend it in your test sources for each provider you ship:
 *
 * <pre>{@code
 * class PostgresStoreProviderContractTest extends ProviderContract<CredentialStoreProvider> {
 *     protected Class<CredentialStoreProvider> spi() { return CredentialStoreProvider.class; }
 *     protected CredentialStoreProvider provider() { return new PostgresStoreProvider(); }
 *     protected Config workingConfig() { return Config.of(Map.of(...)); }
 * }
 * }</pre>
 *
 * It checks that the provider has a valid, stable name and a description, that ServiceLoader
 * finds it under that name, and that {@code create} returns a new instance on each call.
 *
 * @param <P> the provider SPI
 */
public abstract class ProviderContract<P extends Provider<?>> {

    /** For subclasses. */
    protected ProviderContract() {
    }

    /** The SPI interface the provider is registered under. */
    protected abstract Class<P> spi();

    /** A fresh instance of the provider under test. */
    protected abstract P provider();

    /** Configuration with which {@code create} must succeed. */
    protected abstract Config workingConfig();

    /** Releases what {@code create} returned, if it holds resources. */
    protected void release(Object created) throws Exception {
        if (created instanceof AutoCloseable) {
            ((AutoCloseable) created).close();
        }
    }

    @Test
    void nameIsValidAndStable() {
        String name = provider().name();
        assertNotNull(name, "name()");
        assertTrue(name.matches("[A-Za-z0-9][A-Za-z0-9._-]*"), "invalid provider name '" + name + "'");
        assertEquals(name, provider().name(), "name() must not change between instances");
    }

    @Test
    void hasADescription() {
        String description = provider().description();
        assertNotNull(description, "description()");
        assertFalse(description.isBlank(), "description() must say what the provider creates");
    }

    @Test
    void isRegisteredForServiceLoader() {
        String name = provider().name();
        boolean listed = ServiceLoader.load(spi()).stream().anyMatch(p -> p.type() == provider().getClass());
        assertTrue(listed, provider().getClass().getName() + " is not listed in META-INF/services/" + spi().getName());
        assertEquals(provider().getClass(), Providers.discover(spi()).select(name).getClass(),
                "Providers selects another class under the name '" + name + "'");
    }

    @Test
    void createsANewInstanceEachTime() throws Exception {
        P provider = provider();
        Object first = provider.create(workingConfig());
        Object second = provider.create(workingConfig());
        try {
            assertNotNull(first, "create() returned null");
            assertNotSame(first, second, "create() must return a new instance");
        } finally {
            release(first);
            release(second);
        }
    }
}
