package dev.infrakit.spring.boot;

import dev.infrakit.audit.Actor;
import dev.infrakit.audit.AuditEvent;
import dev.infrakit.audit.AuditException;
import dev.infrakit.audit.AuditSink;
import dev.infrakit.audit.JsonLinesAuditSink;
import dev.infrakit.audit.MemoryAuditLog;
import dev.infrakit.core.health.HealthRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import java.nio.file.Path;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicReference;

import static dev.infrakit.spring.boot.StartupFailures.assertFailedNaming;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InfrakitAuditAutoConfigurationTest {

    private static final String KEY = Base64.getEncoder().encodeToString(new byte[32]);

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(
            AutoConfigurations.of(InfrakitAuditAutoConfiguration.class, InfrakitHealthAutoConfiguration.class));

    @TempDir
    Path dir;

    @Test
    void noSinkUntilConfigured() {
        runner.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(AuditSink.class));
    }

    @Test
    void theJsonLinesSinkIsConfiguredItsHealthRegisteredAndItIsClosedWithTheContext() {
        AtomicReference<AuditSink> sink = new AtomicReference<>();
        runner.withPropertyValues("infrakit.audit.sink=jsonl", "infrakit.audit.dir=" + dir, "infrakit.audit.key=" + KEY)
                .run(context -> {
                    sink.set(context.getBean(AuditSink.class));
                    assertThat(sink.get()).isInstanceOf(JsonLinesAuditSink.class);
                    assertThat(context.getBean(HealthRegistry.class).names()).contains("audit-log");
                    sink.get().record(event());
                });
        assertThatThrownBy(() -> sink.get().record(event())).isInstanceOf(AuditException.class);
    }

    @Test
    void theApplicationsOwnSinkWins() {
        MemoryAuditLog own = MemoryAuditLog.create();
        runner.withPropertyValues("infrakit.audit.sink=slf4j").withBean(AuditSink.class, () -> own)
                .run(context -> assertThat(context.getBean(AuditSink.class)).isSameAs(own));
    }

    @Test
    void aShortChainKeyFailsTheStartNamingTheKey() {
        runner.withPropertyValues("infrakit.audit.sink=jsonl", "infrakit.audit.dir=" + dir,
                "infrakit.audit.key=" + Base64.getEncoder().encodeToString(new byte[8]))
                .run(context -> assertFailedNaming(context, "infrakit.audit.key"));
    }

    @Test
    void aBadQueueSizeFailsTheStartNamingTheKey() {
        runner.withPropertyValues("infrakit.audit.sink=jsonl", "infrakit.audit.dir=" + dir, "infrakit.audit.key=" + KEY,
                "infrakit.audit.durability=async", "infrakit.audit.queue-size=many")
                .run(context -> assertFailedNaming(context, "infrakit.audit.queue-size"));
    }

    @Test
    void withoutInfraAuditOnTheClassPathNothingIsConfigured() {
        runner.withClassLoader(new FilteredClassLoader(AuditSink.class)).withPropertyValues("infrakit.audit.sink=slf4j")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(AuditSink.class));
    }

    private static AuditEvent event() {
        return AuditEvent.builder(AuditEvent.Category.ADMIN, "test.recorded").actor(Actor.user("tester")).action("test")
                .outcome(AuditEvent.Outcome.SUCCESS).build();
    }
}
