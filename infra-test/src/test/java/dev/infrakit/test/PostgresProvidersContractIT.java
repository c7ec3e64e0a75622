package dev.infrakit.test;

import dev.infrakit.audit.AuditSinkProvider;
import dev.infrakit.core.Config;
import dev.infrakit.core.schedule.ClusterLockProvider;
import dev.infrakit.credentials.CredentialStoreProvider;
import dev.infrakit.credentials.MasterKey;
import dev.infrakit.ratelimit.RateLimitStoreProvider;
import dev.infrakit.test.contract.ProviderContract;
import dev.infrakit.testkit.EphemeralPostgres;
import dev.infrakit.testkit.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;

import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/**
 * The providers that create PostgreSQL-backed implementations (credential store, rate-limit store,
 * audit sink, cluster lock) against the provider contract, on a real server: each creates its schema and its own
 * pool, closed with what it created.
 */
class PostgresProvidersContractIT {
    private static TestDatabase db;

    @BeforeAll
    static void createDatabase() {
        db = EphemeralPostgres.shared().createDatabase("providers");
    }

    @AfterAll
    static void dropDatabase() {
        if (db != null) {
            db.close();
        }
    }

    /** The pool settings under {@code prefix}, plus {@code more}. */
    private static Config pool(String prefix, Map<String, String> more) {
        Map<String, String> values = new HashMap<>(more);
        values.put(prefix + ".url", db.jdbcUrl());
        values.put(prefix + ".username", db.username());
        values.put(prefix + ".password", db.password());
        values.put(prefix + ".pool-size", "2");
        return Config.of(values);
    }

    @Nested
    class CredentialStore extends ProviderContract<CredentialStoreProvider> {
        @Override
        protected Class<CredentialStoreProvider> spi() {
            return CredentialStoreProvider.class;
        }

        @Override
        protected CredentialStoreProvider provider() {
            return BuiltInProviders.create(CredentialStoreProvider.class, "dev.infrakit.credentials.internal.BuiltInCredentialStores$Postgres");
        }

        @Override
        protected Config workingConfig() {
            return pool("infrakit.credentials.postgres",
                    Map.of("infrakit.credentials.master-key", MasterKey.generate().toBase64()));
        }
    }

    @Nested
    class RateLimitStore extends ProviderContract<RateLimitStoreProvider> {
        @Override
        protected Class<RateLimitStoreProvider> spi() {
            return RateLimitStoreProvider.class;
        }

        @Override
        protected RateLimitStoreProvider provider() {
            return BuiltInProviders.create(RateLimitStoreProvider.class, "dev.infrakit.ratelimit.internal.BuiltInRateLimitStores$Postgres");
        }

        @Override
        protected Config workingConfig() {
            return pool("infrakit.ratelimit.postgres", Map.of("infrakit.ratelimit.postgres.on-failure", "fail-closed"));
        }
    }

    @Nested
    class AuditSink extends ProviderContract<AuditSinkProvider> {
        @Override
        protected Class<AuditSinkProvider> spi() {
            return AuditSinkProvider.class;
        }

        @Override
        protected AuditSinkProvider provider() {
            return BuiltInProviders.create(AuditSinkProvider.class, "dev.infrakit.audit.internal.BuiltInAuditSinks$Postgres");
        }

        @Override
        protected Config workingConfig() {
            return pool("infrakit.audit.postgres",
                    Map.of("infrakit.audit.key", Base64.getEncoder().encodeToString(new byte[32])));
        }
    }

    @Nested
    class ClusterLock extends ProviderContract<ClusterLockProvider> {
        @Override
        protected Class<ClusterLockProvider> spi() {
            return ClusterLockProvider.class;
        }

        @Override
        protected ClusterLockProvider provider() {
            return BuiltInProviders.create(ClusterLockProvider.class, "dev.infrakit.core.internal.BuiltInClusterLocks$Postgres");
        }

        @Override
        protected Config workingConfig() {
            return pool("infrakit.schedule.postgres", Map.of());
        }
    }
}
