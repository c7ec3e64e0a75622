package dev.infrakit.test.audit;

import dev.infrakit.audit.*;

import dev.infrakit.test.contract.AuditSinkContract;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;



/** The JSON-lines file sink (DURABLE, real files) against the audit sink contract. */
class JsonLinesAuditSinkContractIT extends AuditSinkContract {
    private static final byte[] KEY = "an-hmac-key-of-at-least-32-bytes-for-tests"
            .getBytes(java.nio.charset.StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    @Override
    protected AuditLog createLog() {
        return JsonLinesAuditSink.builder(dir.resolve("audit"), KEY).build();
    }
}
