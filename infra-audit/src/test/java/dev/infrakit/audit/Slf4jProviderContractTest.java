package dev.infrakit.audit;

import dev.infrakit.audit.internal.BuiltInAuditSinks;
import dev.infrakit.core.Config;
import dev.infrakit.core.contract.ProviderContract;

/** The {@code slf4j} provider against the provider contract. */
class Slf4jProviderContractTest extends ProviderContract<AuditSinkProvider> {
    @Override
    protected Class<AuditSinkProvider> spi() {
        return AuditSinkProvider.class;
    }

    @Override
    protected AuditSinkProvider provider() {
        return new BuiltInAuditSinks.Log();
    }

    @Override
    protected Config workingConfig() {
        return Config.empty();
    }
}
