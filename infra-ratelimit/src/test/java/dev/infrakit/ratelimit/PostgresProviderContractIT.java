package dev.infrakit.ratelimit;

import dev.infrakit.core.Config;
import dev.infrakit.core.contract.ProviderContract;
import dev.infrakit.ratelimit.internal.BuiltInRateLimitStores;
import dev.infrakit.testkit.EphemeralPostgresExtension;
import dev.infrakit.testkit.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Map;

/** {@link ProviderContract} for the {@code postgres} provider, on a real server. */
@ExtendWith(EphemeralPostgresExtension.class)
class PostgresProviderContractIT extends ProviderContract<RateLimitStoreProvider> {
    private static Config config;

    @BeforeAll
    static void database(TestDatabase db) {
        config = Config.of(Map.of("infrakit.ratelimit.postgres.url", db.jdbcUrl(),
                "infrakit.ratelimit.postgres.username", db.username(),
                "infrakit.ratelimit.postgres.password", db.password(),
                "infrakit.ratelimit.postgres.pool-size", "2",
                "infrakit.ratelimit.postgres.on-failure", "fail-closed"));
    }

    @Override
    protected Class<RateLimitStoreProvider> spi() {
        return RateLimitStoreProvider.class;
    }

    @Override
    protected RateLimitStoreProvider provider() {
        return new BuiltInRateLimitStores.Postgres();
    }

    @Override
    protected Config workingConfig() {
        return config;
    }
}
