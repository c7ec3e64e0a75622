package dev.infrakit.test;

import dev.infrakit.audit.Actor;
import dev.infrakit.audit.AuditEvent;
import dev.infrakit.audit.AuditException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecordingAuditSinkTest {
    private final RecordingAuditSink sink = new RecordingAuditSink();

    private static AuditEvent event(String type, AuditEvent.Outcome outcome) {
        return AuditEvent.builder(AuditEvent.Category.DATA_ACCESS, type).actor(Actor.system()).action("read").outcome(outcome).build();
    }

    @Test
    void keepsEveryEventInOrderWithTheirTypesAndOutcomes() {
        AuditEvent pending = event("transfer", AuditEvent.Outcome.PENDING);
        AuditEvent done = AuditEvent.builder(AuditEvent.Category.DATA_ACCESS, "transfer").actor(Actor.system()).action("read").follows(pending)
                .outcome(AuditEvent.Outcome.SUCCESS).build();
        AuditEvent read = event("account.read", AuditEvent.Outcome.FAILURE);
        sink.record(pending);
        sink.record(done);
        sink.record(read);

        assertEquals(List.of(pending, done, read), sink.events());
        assertSame(read, sink.events().get(2));
        assertEquals(List.of("transfer", "transfer", "account.read"), sink.types());
        assertEquals(List.of("transfer:PENDING", "transfer:SUCCESS", "account.read:FAILURE"), sink.typesAndOutcomes());
        assertEquals(List.of("transfer:SUCCESS", "account.read:FAILURE"), sink.outcomes(), "without PENDING");
        assertEquals(0, sink.refused());
        assertEquals("recording", sink.name());
    }

    @Test
    void eventsIsASnapshotAndClearForgetsEventsAndRefusals() {
        sink.record(event("a", AuditEvent.Outcome.SUCCESS));
        List<AuditEvent> before = sink.events();
        sink.record(event("b", AuditEvent.Outcome.SUCCESS));
        assertEquals(1, before.size(), "a snapshot");
        assertThrows(UnsupportedOperationException.class, () -> before.add(event("c", AuditEvent.Outcome.SUCCESS)));

        sink.refuseAll(true);
        assertThrows(AuditException.class, () -> sink.record(event("c", AuditEvent.Outcome.SUCCESS)));
        sink.clear();
        assertEquals(List.of(), sink.events());
        assertEquals(0, sink.refused());
        assertThrows(AuditException.class, () -> sink.record(event("d", AuditEvent.Outcome.SUCCESS)),
                "the refusal setting survives clear()");
    }

    @Test
    void refuseAllRefusesEveryEventUntilTurnedOff() {
        sink.refuseAll(true);
        AuditException e = assertThrows(AuditException.class, () -> sink.record(event("a", AuditEvent.Outcome.SUCCESS)));
        assertEquals(RecordingAuditSink.REFUSAL_MESSAGE, e.getMessage());
        assertThrows(AuditException.class, () -> sink.record(event("b", AuditEvent.Outcome.SUCCESS)));
        assertEquals(2, sink.refused());
        assertEquals(List.of(), sink.events(), "refused events are not kept");

        sink.refuseAll(false);
        sink.record(event("c", AuditEvent.Outcome.SUCCESS));
        assertEquals(List.of("c"), sink.types());
        assertEquals(2, sink.refused());
    }

    @Test
    void refuseWhenRefusesOnlyTheEventsThePredicatePicks() {
        sink.refuseWhen(e -> e.type().startsWith("payment."));
        sink.record(event("login", AuditEvent.Outcome.SUCCESS));
        assertThrows(AuditException.class, () -> sink.record(event("payment.sent", AuditEvent.Outcome.SUCCESS)));
        sink.record(event("logout", AuditEvent.Outcome.SUCCESS));
        assertEquals(List.of("login", "logout"), sink.types());
        assertEquals(1, sink.refused());

        sink.refuseWhen(e -> false);
        sink.record(event("payment.sent", AuditEvent.Outcome.SUCCESS));
        assertEquals(List.of("login", "logout", "payment.sent"), sink.types());
        assertThrows(NullPointerException.class, () -> sink.refuseWhen(null));
        assertThrows(NullPointerException.class, () -> sink.record(null));
    }

    @Test
    void closingKeepsTheEventsAndToStringShowsOnlyCounts() {
        sink.record(AuditEvent.builder(AuditEvent.Category.SECURITY, "login").actor(Actor.system()).action("login").outcome(AuditEvent.Outcome.SUCCESS)
                .detail("password", "hunter2-never-shown").build());
        sink.flush();
        sink.close();
        assertEquals(1, sink.events().size());
        assertEquals("RecordingAuditSink[1 events, 0 refused]", sink.toString());
        assertFalse(sink.toString().contains("hunter2"));
    }

    @Test
    void manyThreadsRecordingLoseNoEvent() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> writers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                writers.add(pool.submit(() -> {
                    for (int i = 0; i < 250; i++) {
                        sink.record(event("e", AuditEvent.Outcome.SUCCESS));
                    }
                }));
            }
            for (Future<?> w : writers) {
                w.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1000, sink.events().size());
        assertTrue(sink.types().stream().allMatch("e"::equals));
    }
}
