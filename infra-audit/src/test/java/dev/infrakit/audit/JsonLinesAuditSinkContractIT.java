package dev.infrakit.audit;

import dev.infrakit.audit.contract.AuditSinkContract;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static dev.infrakit.audit.AuditFixtures.KEY;

/** The JSON-lines file sink (DURABLE, real files) against the audit sink contract. */
class JsonLinesAuditSinkContractIT extends AuditSinkContract {
    @TempDir
    Path dir;

    @Override
    protected AuditLog createLog() {
        return JsonLinesAuditSink.builder(dir.resolve("audit"), KEY).build();
    }
}
