package dev.infrakit.test;

import dev.infrakit.audit.AuditSinkProvider;
import dev.infrakit.backup.BackupRepositoryProvider;
import dev.infrakit.backup.BackupSourceProvider;
import dev.infrakit.core.Provider;
import dev.infrakit.core.health.HealthCheckProvider;
import dev.infrakit.core.notify.NotifierProvider;
import dev.infrakit.core.schedule.ClusterLockProvider;
import dev.infrakit.credentials.CredentialStoreProvider;
import dev.infrakit.ratelimit.RateLimitStoreProvider;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every provider the modules register with ServiceLoader has a {@code ProviderContract} run in this
 * module; a provider added without one fails here. The runs: {@code CoreProvidersContractTest},
 * {@code MemoryStoreProviderContractTest}, {@code CredentialStoreProvidersContractTest},
 * {@code AuditSinkProvidersContractTest}, {@code BackupProvidersContractTest}, for the
 * PostgreSQL ones {@code PostgresProvidersContractIT}, and for the S3 repository
 * {@code S3ProviderContractIT}.
 */
class EveryProviderIsCheckedTest {
    /** The providers whose contract runs are in this module, by class name. */
    private static final Set<String> CHECKED = Set.of(
            "dev.infrakit.core.internal.BuiltInHealthChecks$DiskSpace",
            "dev.infrakit.core.internal.BuiltInHealthChecks$Heap",
            "dev.infrakit.core.internal.BuiltInHealthChecks$SystemMemory",
            "dev.infrakit.core.internal.BuiltInNotifiers$Webhook",
            "dev.infrakit.core.internal.BuiltInNotifiers$Email",
            "dev.infrakit.core.internal.BuiltInNotifiers$Log",
            "dev.infrakit.core.internal.BuiltInClusterLocks$Local",
            "dev.infrakit.core.internal.BuiltInClusterLocks$Postgres",
            "dev.infrakit.ratelimit.internal.BuiltInRateLimitStores$Memory",
            "dev.infrakit.ratelimit.internal.BuiltInRateLimitStores$Postgres",
            "dev.infrakit.audit.internal.BuiltInAuditSinks$JsonLines",
            "dev.infrakit.audit.internal.BuiltInAuditSinks$Postgres",
            "dev.infrakit.audit.internal.BuiltInAuditSinks$Log",
            "dev.infrakit.credentials.internal.BuiltInCredentialStores$Memory",
            "dev.infrakit.credentials.internal.BuiltInCredentialStores$File",
            "dev.infrakit.credentials.internal.BuiltInCredentialStores$Postgres",
            "dev.infrakit.backup.internal.BuiltInBackupSources$Postgres",
            "dev.infrakit.backup.internal.BuiltInBackupSources$PostgresBase",
            "dev.infrakit.backup.internal.BuiltInBackupSources$Directory",
            "dev.infrakit.backup.internal.BuiltInBackupRepositories$Local",
            "dev.infrakit.backup.internal.BuiltInBackupRepositories$S3");

    @Test
    void everyRegisteredProviderHasAContractRun() {
        List<Class<? extends Provider<?>>> spis = List.of(HealthCheckProvider.class, NotifierProvider.class,
                RateLimitStoreProvider.class, AuditSinkProvider.class, CredentialStoreProvider.class,
                BackupSourceProvider.class, BackupRepositoryProvider.class, ClusterLockProvider.class);
        Set<String> registered = new TreeSet<>();
        for (Class<? extends Provider<?>> spi : spis) {
            ServiceLoader.load(spi).stream().map(p -> p.type().getName()).forEach(registered::add);
        }
        assertEquals(new TreeSet<>(CHECKED), registered);
        assertEquals(21, registered.size(), "the providers Infrakit ships");
    }
}
