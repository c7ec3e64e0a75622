/**
 * Infrakit core: layered {@link dev.infrakit.core.Config}, ServiceLoader discovery through
 * {@link dev.infrakit.core.Providers}, the {@link dev.infrakit.core.InfrakitException} hierarchy,
 * the clock/ticker seam, the HikariCP pool helper {@link dev.infrakit.core.DataSources}, health
 * checks ({@link dev.infrakit.core.health}), notifications ({@link dev.infrakit.core.notify}) and
 * schedules with a cluster-wide lock ({@link dev.infrakit.core.schedule}).
 *
 * <p>Only SLF4J is required at run time. HikariCP, Micrometer, Jakarta Mail and
 * {@code java.net.http} are {@code requires static}: a module that uses the classes needing
 * them requires them itself (on the class path: puts the jars there).
 *
 * <p>{@code Providers} declares the service use of each SPI it is asked to load at run time
 * ({@link java.lang.Module#addUses}), so SPI modules need no {@code uses} clause here.
 */
module dev.infrakit.core {
    requires transitive java.sql;
    requires transitive org.slf4j;
    requires jdk.management;
    // Optional: read only by the classes that use them, which load only when called.
    // HikariCP: DataSources' pool methods. Micrometer: HealthMetrics and the pool metrics.
    // No HTTP server API: the JDK server's filters and health handler are in infra-web. java.net.http:
    // WebhookNotifier and HttpProbeHealthCheck. Jakarta Mail: EmailNotifier.
    requires static com.zaxxer.hikari;
    requires static micrometer.core;
    requires static java.net.http;
    requires static jakarta.mail;

    exports dev.infrakit.core;
    exports dev.infrakit.core.health;
    exports dev.infrakit.core.http;
    exports dev.infrakit.core.io;
    exports dev.infrakit.core.notify;
    exports dev.infrakit.core.schedule;

    uses dev.infrakit.core.health.HealthCheckProvider;
    uses dev.infrakit.core.notify.NotifierProvider;
    uses dev.infrakit.core.schedule.ClusterLockProvider;

    provides dev.infrakit.core.health.HealthCheckProvider with
            dev.infrakit.core.internal.BuiltInHealthChecks.DiskSpace,
            dev.infrakit.core.internal.BuiltInHealthChecks.Heap,
            dev.infrakit.core.internal.BuiltInHealthChecks.SystemMemory;
    provides dev.infrakit.core.notify.NotifierProvider with
            dev.infrakit.core.internal.BuiltInNotifiers.Webhook,
            dev.infrakit.core.internal.BuiltInNotifiers.Email,
            dev.infrakit.core.internal.BuiltInNotifiers.Log;
    provides dev.infrakit.core.schedule.ClusterLockProvider with
            dev.infrakit.core.internal.BuiltInClusterLocks.Local,
            dev.infrakit.core.internal.BuiltInClusterLocks.Postgres;
}
