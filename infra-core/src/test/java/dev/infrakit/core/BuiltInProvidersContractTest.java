package dev.infrakit.core;

import dev.infrakit.core.contract.ProviderContract;
import dev.infrakit.core.health.HealthCheckProvider;
import dev.infrakit.core.internal.BuiltInHealthChecks;
import dev.infrakit.core.internal.BuiltInNotifiers;
import dev.infrakit.core.notify.NotifierProvider;
import org.junit.jupiter.api.Nested;

import java.util.Map;

/** {@link ProviderContract} for every provider infra-core ships. */
class BuiltInProvidersContractTest {
    abstract static class HealthChecks extends ProviderContract<HealthCheckProvider> {
        @Override
        protected Class<HealthCheckProvider> spi() {
            return HealthCheckProvider.class;
        }

        @Override
        protected Config workingConfig() {
            return Config.empty();
        }
    }

    abstract static class Notifiers extends ProviderContract<NotifierProvider> {
        @Override
        protected Class<NotifierProvider> spi() {
            return NotifierProvider.class;
        }
    }

    @Nested
    class DiskSpace extends HealthChecks {
        @Override
        protected HealthCheckProvider provider() {
            return new BuiltInHealthChecks.DiskSpace();
        }
    }

    @Nested
    class Heap extends HealthChecks {
        @Override
        protected HealthCheckProvider provider() {
            return new BuiltInHealthChecks.Heap();
        }
    }

    @Nested
    class SystemMemory extends HealthChecks {
        @Override
        protected HealthCheckProvider provider() {
            return new BuiltInHealthChecks.SystemMemory();
        }
    }

    /** Creating the notifier sends nothing, so no server is needed. */
    @Nested
    class Webhook extends Notifiers {
        @Override
        protected NotifierProvider provider() {
            return new BuiltInNotifiers.Webhook();
        }

        @Override
        protected Config workingConfig() {
            return Config.of(Map.of("infrakit.notify.webhook.url", "https://hooks.example.com/services/T0/B0/x"));
        }
    }

    /** Creating the notifier connects to nothing. */
    @Nested
    class Email extends Notifiers {
        @Override
        protected NotifierProvider provider() {
            return new BuiltInNotifiers.Email();
        }

        @Override
        protected Config workingConfig() {
            return Config.of(Map.of("infrakit.notify.email.host", "smtp.example.com",
                    "infrakit.notify.email.from", "alerts@example.com", "infrakit.notify.email.to", "oncall@example.com"));
        }
    }

    @Nested
    class Log extends Notifiers {
        @Override
        protected NotifierProvider provider() {
            return new BuiltInNotifiers.Log();
        }

        @Override
        protected Config workingConfig() {
            return Config.empty();
        }
    }
}
