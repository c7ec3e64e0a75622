package dev.infrakit.test.core;

import dev.infrakit.core.Config;
import dev.infrakit.core.health.HealthCheckProvider;
import dev.infrakit.core.notify.NotifierProvider;
import dev.infrakit.core.schedule.ClusterLockProvider;
import dev.infrakit.test.BuiltInProviders;
import dev.infrakit.test.contract.ProviderContract;
import org.junit.jupiter.api.Nested;

import java.util.Map;

/**
 * Every provider infra-core registers (health checks, notifiers, the local cluster lock) against the
 * provider contract; the PostgreSQL cluster lock is in {@code PostgresProvidersContractIT}.
 */
class CoreProvidersContractTest {

    @Nested
    class DiskSpace extends ProviderContract<HealthCheckProvider> {
        @Override
        protected Class<HealthCheckProvider> spi() {
            return HealthCheckProvider.class;
        }

        @Override
        protected HealthCheckProvider provider() {
            return BuiltInProviders.create(HealthCheckProvider.class, "dev.infrakit.core.internal.BuiltInHealthChecks$DiskSpace");
        }

        @Override
        protected Config workingConfig() {
            return Config.of(Map.of("infrakit.health.disk.path", System.getProperty("java.io.tmpdir")));
        }
    }

    @Nested
    class Heap extends ProviderContract<HealthCheckProvider> {
        @Override
        protected Class<HealthCheckProvider> spi() {
            return HealthCheckProvider.class;
        }

        @Override
        protected HealthCheckProvider provider() {
            return BuiltInProviders.create(HealthCheckProvider.class, "dev.infrakit.core.internal.BuiltInHealthChecks$Heap");
        }

        @Override
        protected Config workingConfig() {
            return Config.empty();
        }
    }

    @Nested
    class SystemMemory extends ProviderContract<HealthCheckProvider> {
        @Override
        protected Class<HealthCheckProvider> spi() {
            return HealthCheckProvider.class;
        }

        @Override
        protected HealthCheckProvider provider() {
            return BuiltInProviders.create(HealthCheckProvider.class, "dev.infrakit.core.internal.BuiltInHealthChecks$SystemMemory");
        }

        @Override
        protected Config workingConfig() {
            return Config.empty();
        }
    }

    @Nested
    class Webhook extends ProviderContract<NotifierProvider> {
        @Override
        protected Class<NotifierProvider> spi() {
            return NotifierProvider.class;
        }

        @Override
        protected NotifierProvider provider() {
            return BuiltInProviders.create(NotifierProvider.class, "dev.infrakit.core.internal.BuiltInNotifiers$Webhook");
        }

        @Override
        protected Config workingConfig() {
            return Config.of(Map.of("infrakit.notify.webhook.url", "https://hooks.example.test/services/T0/B0"));
        }
    }

    @Nested
    class Email extends ProviderContract<NotifierProvider> {
        @Override
        protected Class<NotifierProvider> spi() {
            return NotifierProvider.class;
        }

        @Override
        protected NotifierProvider provider() {
            return BuiltInProviders.create(NotifierProvider.class, "dev.infrakit.core.internal.BuiltInNotifiers$Email");
        }

        @Override
        protected Config workingConfig() {
            return Config.of(Map.of("infrakit.notify.email.host", "smtp.example.test",
                    "infrakit.notify.email.from", "alerts@example.test", "infrakit.notify.email.to", "ops@example.test"));
        }
    }

    @Nested
    class Slf4jNotifier extends ProviderContract<NotifierProvider> {
        @Override
        protected Class<NotifierProvider> spi() {
            return NotifierProvider.class;
        }

        @Override
        protected NotifierProvider provider() {
            return BuiltInProviders.create(NotifierProvider.class, "dev.infrakit.core.internal.BuiltInNotifiers$Log");
        }

        @Override
        protected Config workingConfig() {
            return Config.empty();
        }
    }

    @Nested
    class LocalClusterLock extends ProviderContract<ClusterLockProvider> {
        @Override
        protected Class<ClusterLockProvider> spi() {
            return ClusterLockProvider.class;
        }

        @Override
        protected ClusterLockProvider provider() {
            return BuiltInProviders.create(ClusterLockProvider.class, "dev.infrakit.core.internal.BuiltInClusterLocks$Local");
        }

        @Override
        protected Config workingConfig() {
            return Config.empty();
        }
    }
}
