package dev.infrakit.credentials;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.infrakit.core.fixtures.BuilderContract;
import dev.infrakit.credentials.rotation.PasswordPolicy;
import dev.infrakit.credentials.rotation.RandomSecretStrategy;
import dev.infrakit.credentials.rotation.RotationEngine;
import dev.infrakit.credentials.rotation.RotationStrategy;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every setter of every builder in infra-credentials refuses a second value. */
class BuildersTest {
    @TempDir
    Path dir;

    private final InMemoryCredentialStore store = InMemoryCredentialStore.builder().build();
    private final KeyRing ring = KeyRing.of(MasterKey.generate());

    @Test
    void everyBuilderRefusesASettingGivenTwice() {
        assertEquals(Set.of("clock", "maxVersions"), BuilderContract.of(InMemoryCredentialStore::builder).check());
        assertEquals(Set.of("clock", "maxVersions", "rebuildManifest", "upgradeUnauthenticatedStore"),
                BuilderContract.of(() -> FileCredentialStore.directory(dir, ring)).check());
        assertEquals(Set.of("clock", "listenDataSource", "maxVersions", "reconnectInterval"),
                BuilderContract.of(() -> PostgresCredentialStore.builder(new org.postgresql.ds.PGSimpleDataSource(), ring))
                        .check());
        assertEquals(Set.of("actor", "auditReads", "clock"), BuilderContract.of(() -> AuditedCredentialStore.builder(store,
                dev.infrakit.audit.MemoryAuditLog.create())).check());
        assertEquals(Set.of("cacheMetadata", "changes", "executor", "expireAfter", "jitter", "maximumSize", "refreshAfter",
                "staleIfError", "ticker"), BuilderContract.of(() -> CachingCredentialStore.builder(store)).value("jitter", 0.1).check());
        assertEquals(Set.of("requests", "stale", "load", "loadFailures", "refreshes", "size"),
                BuilderContract.of(CredentialMetricNames::custom).check());
        assertEquals(Set.of("actor", "auditSink", "clock", "lease"),
                BuilderContract.of(() -> RotationEngine.builder(store)).adders("listener", "strategy")
                        .value(dev.infrakit.audit.Actor.class, dev.infrakit.audit.Actor.system()).check());
    }

    @Test
    void aRotationStrategyMayBeGivenOncePerName() {
        RotationStrategy s = RandomSecretStrategy.password(PasswordPolicy.defaults());
        RotationEngine.Builder b = RotationEngine.builder(store).strategy("a", s).strategy("b", s);
        assertThrows(IllegalArgumentException.class, () -> b.strategy("a", s));
    }
}
