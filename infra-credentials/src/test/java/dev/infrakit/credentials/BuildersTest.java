package dev.infrakit.credentials;

import static dev.infrakit.core.fixtures.BuilderSetters.assertChecked;
import static dev.infrakit.core.fixtures.BuilderSetters.assertEachRefusesASecondCall;

import dev.infrakit.audit.Actor;
import dev.infrakit.audit.AuditSink;
import dev.infrakit.core.Ticker;
import dev.infrakit.credentials.fixtures.RecordingAuditSink;
import dev.infrakit.credentials.rotation.RotationEngine;
import dev.infrakit.credentials.rotation.RotationStrategy;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every setter of every builder in this module refuses a second call. */
class BuildersTest {
    @TempDir
    Path dir;

    private final InMemoryCredentialStore store = InMemoryCredentialStore.builder().build();

    private static Map<Class<?>, Object> values() {
        Map<Class<?>, Object> v = new HashMap<>();
        v.put(Clock.class, Clock.systemUTC());
        v.put(int.class, 3);
        v.put(long.class, 100L);
        v.put(double.class, 0.1);
        v.put(boolean.class, true);
        v.put(Duration.class, Duration.ofSeconds(30));
        v.put(Ticker.class, Ticker.systemTicker());
        v.put(Executor.class, (Executor) Runnable::run);
        v.put(CredentialChanges.class, (CredentialChanges) listener -> () -> { });
        v.put(Supplier.class, (Supplier<Actor>) Actor::system);
        v.put(AuditSink.class, new RecordingAuditSink());
        v.put(Actor.class, Actor.system());
        v.put(String.class, "db");
        v.put(DataSource.class, new org.postgresql.ds.PGSimpleDataSource());
        return v;
    }

    @Test
    void credentialStoreBuilders() {
        KeyRing ring = KeyRing.of(MasterKey.generate());
        assertChecked(assertEachRefusesASecondCall(InMemoryCredentialStore::builder, values()), "clock", "maxVersions");
        assertChecked(assertEachRefusesASecondCall(() -> FileCredentialStore.directory(dir, ring), values()),
                "clock", "maxVersions", "rebuildManifest", "upgradeUnauthenticatedStore");
        assertChecked(assertEachRefusesASecondCall(() -> PostgresCredentialStore.builder(
                new org.postgresql.ds.PGSimpleDataSource(), ring), values()),
                "clock", "listenDataSource", "maxVersions", "reconnectInterval");
        assertChecked(assertEachRefusesASecondCall(() -> AuditedCredentialStore.builder(store, new RecordingAuditSink()),
                values()), "actor", "auditReads", "clock");
        assertChecked(assertEachRefusesASecondCall(() -> CachingCredentialStore.builder(store), values()),
                "changes", "executor", "expireAfter", "jitter", "maximumSize", "refreshAfter", "staleIfError", "ticker");
    }

    @Test
    void rotationEngineBuilder() {
        Map<Class<?>, Object> v = values();
        v.put(RotationStrategy.class, dev.infrakit.credentials.rotation.RandomSecretStrategy.password(
                dev.infrakit.credentials.rotation.PasswordPolicy.defaults()));
        assertChecked(assertEachRefusesASecondCall(() -> RotationEngine.builder(store), v, "listener", "strategy"),
                "actor", "auditSink", "clock", "lease");
        // strategy(name, s) may be given once per name: a second one for the same name is refused.
        RotationEngine.Builder b = RotationEngine.builder(store).strategy("a", (RotationStrategy) v.get(RotationStrategy.class))
                .strategy("b", (RotationStrategy) v.get(RotationStrategy.class));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> b.strategy("a", (RotationStrategy) v.get(RotationStrategy.class)));
    }
}
