package dev.infrakit.audit;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CondensingAuditSinkTest {

    /** A clock the test moves. */
    static final class MovingClock extends Clock {
        Instant now = Instant.parse("2026-12-06T12:00:00Z");

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    /** The events of {@code type} that reached {@code log}. */
    static List<AuditEvent> ofType(MemoryAuditLog log, String type) {
        return log.events().stream().filter(e -> e.type().equals(type)).toList();
    }

    /** Records into {@code log}, except while {@code refusing}: a sink that fails on purpose, as a full disk would. */
    static final class RefusingSink implements AuditSink {
        final MemoryAuditLog log;
        volatile boolean refusing;

        RefusingSink(MemoryAuditLog log) {
            this.log = log;
        }

        @Override
        public void record(AuditEvent event) {
            if (refusing) {
                throw new AuditException("refused");
            }
            log.record(event);
        }

        @Override
        public void flush() {
            log.flush();
        }

        @Override
        public String name() {
            return "refusing";
        }
    }

    static AuditEvent invalidToken(String ip) {
        return AuditEvent.builder(AuditEvent.Category.SECURITY, "auth.invalid-token").actor(Actor.anonymous(ip).from(ip, "x"))
                .action("authenticate").outcome(AuditEvent.Outcome.FAILURE).severity(AuditEvent.Severity.WARN).build();
    }

    private static CondensingAuditSink sink(AuditSink list, MovingClock clock, int maxAddresses) {
        return CondensingAuditSink.builder(list).types("auth.invalid-token").perAddress(5).window(Duration.ofMinutes(15))
                .maxAddresses(maxAddresses).clock(clock).build();
    }

    @Test
    void aFloodFromOneAddressIsFiveEventsAndOneCountPerWindow() {
        MemoryAuditLog list = MemoryAuditLog.create();
        MovingClock clock = new MovingClock();
        CondensingAuditSink sink = sink(list, clock, 100);
        for (int i = 0; i < 1000; i++) {
            sink.record(invalidToken("203.0.113.7"));
        }
        sink.record(invalidToken("198.51.100.1"));
        assertEquals(6, ofType(list, "auth.invalid-token").size(), "five from the flood, one from another address");
        assertEquals(995, sink.condensed());
        sink.flushEnded();
        assertEquals(0, ofType(list, CondensingAuditSink.CONDENSED_TYPE).size(), "the window has not ended");
        clock.now = clock.now.plus(Duration.ofMinutes(15));
        sink.flushEnded();
        List<AuditEvent> counts = ofType(list, CondensingAuditSink.CONDENSED_TYPE);
        assertEquals(1, counts.size());
        AuditEvent count = counts.get(0);
        assertEquals(995L, ((Number) count.details().get("count")).longValue());
        assertEquals("auth.invalid-token", count.details().get("type"));
        assertEquals("203.0.113.7", count.actor().ip());
        assertEquals("2026-12-06T12:00:00Z", count.details().get("window_start"));
        // A new window starts with five individual events again.
        for (int i = 0; i < 10; i++) {
            sink.record(invalidToken("203.0.113.7"));
        }
        assertEquals(11, ofType(list, "auth.invalid-token").size());
    }

    @Test
    void otherTypesAndEventsWithoutAnAddressPassThrough() {
        MemoryAuditLog list = MemoryAuditLog.create();
        CondensingAuditSink sink = sink(list, new MovingClock(), 100);
        for (int i = 0; i < 20; i++) {
            sink.record(AuditEvent.security("login.failed", "alice", "203.0.113.7", null, null));
            sink.record(AuditEvent.builder(AuditEvent.Category.SECURITY, "auth.invalid-token").actor(Actor.system())
                    .action("authenticate").outcome(AuditEvent.Outcome.FAILURE).build());
        }
        assertEquals(40, list.events().size());
        assertEquals(0, sink.condensed());
    }

    @Test
    void addressesBeyondTheLimitAreCountedTogether() {
        MemoryAuditLog list = MemoryAuditLog.create();
        MovingClock clock = new MovingClock();
        CondensingAuditSink sink = sink(list, clock, 3);
        for (int a = 0; a < 50; a++) {
            for (int i = 0; i < 3; i++) {
                sink.record(invalidToken("2001:db8::" + Integer.toHexString(a)));
            }
        }
        assertEquals(9, ofType(list, "auth.invalid-token").size(), "three addresses tracked, three events each");
        sink.flush();
        List<AuditEvent> counts = ofType(list, CondensingAuditSink.CONDENSED_TYPE);
        assertEquals(1, counts.size(), counts.toString());
        assertEquals(141L, ((Number) counts.get(0).details().get("count")).longValue());
        assertEquals(CondensingAuditSink.OTHER_ADDRESSES, counts.get(0).actor().id().equals("system")
                ? CondensingAuditSink.OTHER_ADDRESSES : counts.get(0).actor().ip());
        assertTrue(counts.get(0).reason().orElseThrow().contains("beyond the 3 tracked"), counts.get(0).reason().orElseThrow());
    }

    @Test
    void flushWritesTheCountsSoFarAndARefusedCountIsKept() {
        MemoryAuditLog list = MemoryAuditLog.create();
        RefusingSink refusing = new RefusingSink(list);
        MovingClock clock = new MovingClock();
        CondensingAuditSink sink = sink(refusing, clock, 100);
        for (int i = 0; i < 8; i++) {
            sink.record(invalidToken("203.0.113.7"));
        }
        refusing.refusing = true;
        assertThrows(AuditException.class, sink::flush);
        refusing.refusing = false;
        for (int i = 0; i < 2; i++) {
            sink.record(invalidToken("203.0.113.7"));
        }
        sink.flush();
        List<AuditEvent> counts = ofType(list, CondensingAuditSink.CONDENSED_TYPE);
        long total = counts.stream().mapToLong(e -> ((Number) e.details().get("count")).longValue()).sum();
        assertEquals(5, total, "3 kept from the refused flush, 2 since: nothing lost " + counts.size());
        sink.record(invalidToken("203.0.113.7"));
        sink.close();
        total = ofType(list, CondensingAuditSink.CONDENSED_TYPE).stream()
                .mapToLong(e -> ((Number) e.details().get("count")).longValue()).sum();
        assertEquals(6, total, "close writes the rest");
        assertThrows(AuditException.class, () -> sink.record(invalidToken("203.0.113.7")));
    }

    @Test
    void settingsAreValidated() {
        MemoryAuditLog list = MemoryAuditLog.create();
        assertThrows(IllegalStateException.class, () -> CondensingAuditSink.builder(list).build());
        assertThrows(IllegalStateException.class, () -> CondensingAuditSink.builder(list).types("a").types("b"));
        assertThrows(IllegalArgumentException.class, () -> CondensingAuditSink.builder(list).perAddress(-1));
        assertThrows(IllegalArgumentException.class, () -> CondensingAuditSink.builder(list).window(Duration.ZERO));
        assertTrue(CondensingAuditSink.builder(list).types("a").build().name().startsWith("condensing("));
    }

    /** The daemon timer writes a window's count when the window ends, without a flush or a later event. */
    @Test
    void theTimerWritesTheCountWhenTheWindowEnds() throws Exception {
        MemoryAuditLog list = MemoryAuditLog.create();
        CondensingAuditSink sink = CondensingAuditSink.builder(list).types("auth.invalid-token").perAddress(1)
                .window(Duration.ofSeconds(1)).build();
        try {
            for (int i = 0; i < 4; i++) {
                sink.record(invalidToken("203.0.113.7"));
            }
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(15);
            while (ofType(list, CondensingAuditSink.CONDENSED_TYPE).isEmpty() && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            List<AuditEvent> counts = ofType(list, CondensingAuditSink.CONDENSED_TYPE);
            assertEquals(1, counts.size(), "written by the timer alone");
            assertEquals(3L, ((Number) counts.get(0).details().get("count")).longValue());
        } finally {
            sink.close();
        }
    }
}
