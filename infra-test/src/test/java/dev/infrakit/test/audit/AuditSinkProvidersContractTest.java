package dev.infrakit.test.audit;

import dev.infrakit.audit.AuditSinkProvider;
import dev.infrakit.core.Config;
import dev.infrakit.test.BuiltInProviders;
import dev.infrakit.test.contract.ProviderContract;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The JSON-lines and SLF4J audit sink providers against the provider contract (the PostgreSQL one
 * is in {@code PostgresProvidersContractIT}).
 */
class AuditSinkProvidersContractTest {
    /** A 32-byte chain key, base64. */
    static final String KEY = Base64.getEncoder().encodeToString(new byte[32]);

    @Nested
    class JsonLines extends ProviderContract<AuditSinkProvider> {
        private final AtomicInteger dirs = new AtomicInteger();
        @TempDir
        Path dir;

        @Override
        protected Class<AuditSinkProvider> spi() {
            return AuditSinkProvider.class;
        }

        @Override
        protected AuditSinkProvider provider() {
            return BuiltInProviders.create(AuditSinkProvider.class, "dev.infrakit.audit.internal.BuiltInAuditSinks$JsonLines");
        }

        /** A directory of its own for each sink: a log directory has one writer. */
        @Override
        protected Config workingConfig() {
            return Config.of(Map.of("infrakit.audit.dir", dir.resolve("audit-" + dirs.incrementAndGet()).toString(),
                    "infrakit.audit.key", KEY));
        }
    }

    @Nested
    class Slf4j extends ProviderContract<AuditSinkProvider> {
        @Override
        protected Class<AuditSinkProvider> spi() {
            return AuditSinkProvider.class;
        }

        @Override
        protected AuditSinkProvider provider() {
            return BuiltInProviders.create(AuditSinkProvider.class, "dev.infrakit.audit.internal.BuiltInAuditSinks$Log");
        }

        @Override
        protected Config workingConfig() {
            return Config.empty();
        }
    }
}
