package dev.infrakit.test.credentials;

import dev.infrakit.core.Config;
import dev.infrakit.credentials.CredentialStoreProvider;
import dev.infrakit.credentials.MasterKey;
import dev.infrakit.test.BuiltInProviders;
import dev.infrakit.test.contract.ProviderContract;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

/**
 * The in-memory and file credential store providers against the provider contract (the PostgreSQL
 * one is in {@code PostgresProvidersContractIT}).
 */
class CredentialStoreProvidersContractTest {
    private static final String MASTER_KEY = MasterKey.generate().toBase64();

    @Nested
    class Memory extends ProviderContract<CredentialStoreProvider> {
        @Override
        protected Class<CredentialStoreProvider> spi() {
            return CredentialStoreProvider.class;
        }

        @Override
        protected CredentialStoreProvider provider() {
            return BuiltInProviders.create(CredentialStoreProvider.class, "dev.infrakit.credentials.internal.BuiltInCredentialStores$Memory");
        }

        @Override
        protected Config workingConfig() {
            return Config.empty();
        }
    }

    @Nested
    class File extends ProviderContract<CredentialStoreProvider> {
        @TempDir
        Path dir;

        @Override
        protected Class<CredentialStoreProvider> spi() {
            return CredentialStoreProvider.class;
        }

        @Override
        protected CredentialStoreProvider provider() {
            return BuiltInProviders.create(CredentialStoreProvider.class, "dev.infrakit.credentials.internal.BuiltInCredentialStores$File");
        }

        @Override
        protected Config workingConfig() {
            return Config.of(Map.of("infrakit.credentials.file.dir", dir.resolve("credentials").toString(),
                    "infrakit.credentials.master-key", MASTER_KEY));
        }
    }
}
