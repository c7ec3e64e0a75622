/**
 * Infrakit core: layered {@link dev.infrakit.core.Config}, ServiceLoader discovery through
 * {@link dev.infrakit.core.Providers}, the {@link dev.infrakit.core.InfrakitException} hierarchy,
 * the clock/ticker seam, the HikariCP pool helper {@link dev.infrakit.core.DataSources}, health
 * checks ({@link dev.infrakit.core.health}) and notifications ({@link dev.infrakit.core.notify}).
 *
 * <p>{@code Providers} declares the service use of each SPI it is asked to load at run time
 * ({@link java.lang.Module#addUses}), so SPI modules need no {@code uses} clause here.
 */
@SuppressWarnings("module") // the qualified export's target modules are not compiled yet
module dev.infrakit.core {
    requires transitive java.sql;
    requires transitive org.slf4j;
    requires transitive com.zaxxer.hikari;
    requires transitive micrometer.core;
    requires transitive jdk.httpserver;
    requires transitive java.net.http;
    requires jdk.management;
    requires com.fasterxml.jackson.databind;
    // Optional: only EmailNotifier needs it.
    requires static jakarta.mail;

    exports dev.infrakit.core;
    exports dev.infrakit.core.health;
    exports dev.infrakit.core.http;
    exports dev.infrakit.core.io;
    exports dev.infrakit.core.notify;
    exports dev.infrakit.core.schedule;

    uses dev.infrakit.core.health.HealthCheckProvider;
    uses dev.infrakit.core.notify.NotifierProvider;

    provides dev.infrakit.core.health.HealthCheckProvider with
            dev.infrakit.core.internal.BuiltInHealthChecks.DiskSpace,
            dev.infrakit.core.internal.BuiltInHealthChecks.Heap,
            dev.infrakit.core.internal.BuiltInHealthChecks.SystemMemory;
    provides dev.infrakit.core.notify.NotifierProvider with
            dev.infrakit.core.internal.BuiltInNotifiers.Webhook,
            dev.infrakit.core.internal.BuiltInNotifiers.Email,
            dev.infrakit.core.internal.BuiltInNotifiers.Log;
}
