package dev.infrakit.test.audit;

import dev.infrakit.audit.*;

import dev.infrakit.test.contract.AuditSinkContract;

/** The in-memory log against the audit sink contract. */
class MemoryAuditLogContractTest extends AuditSinkContract {
    @Override
    protected AuditLog createLog() {
        return MemoryAuditLog.create();
    }
}
