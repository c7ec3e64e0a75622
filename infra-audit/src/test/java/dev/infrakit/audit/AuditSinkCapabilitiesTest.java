package dev.infrakit.audit;

import dev.infrakit.core.health.HealthCheck;
import dev.infrakit.core.health.HealthResult;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The optional capabilities of the SPI, their defaults, and how the decorators pass them on. */
class AuditSinkCapabilitiesTest {
    /** A sink with a health check and metrics of its own, to see whether decorators pass them on. */
    private static final class CapableSink implements AuditSink {
        final HealthCheck check = HealthCheck.of("capable", () -> HealthResult.up().build()).build();
        final MeterBinder binder = (MeterRegistry registry) -> { };

        @Override
        public void record(AuditEvent event) {
        }

        @Override
        public void flush() {
        }

        @Override
        public String name() {
            return "capable";
        }

        @Override
        public Optional<HealthCheck> healthCheck() {
            return Optional.of(check);
        }

        @Override
        public Optional<MeterBinder> metrics() {
            return Optional.of(binder);
        }
    }

    @Test
    void aSinkHasNoCapabilitiesAndACloseThatDoesNothingUnlessItSaysSo() {
        AuditSink plain = new AuditSink() {
            @Override
            public void record(AuditEvent event) {
            }

            @Override
            public void flush() {
            }

            @Override
            public String name() {
                return "plain";
            }
        };
        assertTrue(plain.healthCheck().isEmpty());
        assertTrue(plain.metrics().isEmpty());
        plain.close();
        assertTrue(Slf4jAuditSink.create().healthCheck().isEmpty(), "the logging backend's state is not the sink's");
    }

    @Test
    void condensingAndClosingPassOnTheCapabilitiesOfTheSinkTheyWrap() {
        CapableSink inner = new CapableSink();
        CondensingAuditSink condensing = CondensingAuditSink.builder(inner).types("auth.invalid-token")
                .clock(java.time.Clock.systemUTC()).build();
        assertSame(inner.check, condensing.healthCheck().orElseThrow());
        assertSame(inner.binder, condensing.metrics().orElseThrow());
        AuditSink closing = AuditSinks.closing(inner, () -> { });
        assertSame(inner.check, closing.healthCheck().orElseThrow());
        assertSame(inner.binder, closing.metrics().orElseThrow());
        assertTrue(AuditSinks.fanOut(inner, MemoryAuditLog.create()).healthCheck().isEmpty(), "no check of its own");
    }

    @Test
    void closingALogIsALogThatClosesItsResourceToo() {
        MemoryAuditLog log = MemoryAuditLog.create();
        AtomicBoolean resourceClosed = new AtomicBoolean();
        AuditLog closing = AuditSinks.closing(log, () -> resourceClosed.set(true));
        closing.record(AuditEvent.builder(AuditEvent.Category.ADMIN, "policy.changed").actor(Actor.system())
                .action("update").build());
        assertEquals(List.of("policy.changed"), closing.query(AuditQuery.builder().build()).stream()
                .map(AuditRecord::type).toList());
        assertEquals(log.stats(), closing.stats());
        assertTrue(closing.metrics().isPresent());
        assertEquals("memory", closing.name());
        closing.close();
        assertTrue(resourceClosed.get());
    }
}
