package dev.infrakit.test.readme;

// README infra-audit
import dev.infrakit.audit.Actor;
import dev.infrakit.audit.AuditEvent;
import dev.infrakit.audit.AuditException;
import dev.infrakit.audit.AuditSink;
import dev.infrakit.test.RecordingAuditSink;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TransferServiceTest {
    /** The code under test: every transfer is audited, and none happens unaudited. */
    record TransferService(AuditSink audit) {
        void transfer(String user, long cents) {
            audit.record(AuditEvent.builder(AuditEvent.Category.DATA_ACCESS, "transfer").actor(Actor.user(user))
                    .action("transfer").outcome(AuditEvent.Outcome.SUCCESS).detail("cents", cents).build());
        }
    }

    @Test
    void everyTransferIsAuditedAndNoneHappensWhenTheAuditFails() {
        RecordingAuditSink audit = new RecordingAuditSink();
        new TransferService(audit).transfer("alice", 100);
        assertEquals(List.of("transfer:SUCCESS"), audit.outcomes());

        audit.refuseAll(true);
        assertThrows(AuditException.class, () -> new TransferService(audit).transfer("alice", 100));
        assertEquals(1, audit.refused());
    }
}
// END README
