package dev.infrakit.core;

import dev.infrakit.core.health.HealthCheck;
import dev.infrakit.core.health.HealthCheckProvider;
import dev.infrakit.core.health.HealthRegistry;
import dev.infrakit.core.health.HealthReport;
import dev.infrakit.core.health.HealthResult;
import dev.infrakit.core.http.Problem;
import dev.infrakit.core.notify.Notification;
import dev.infrakit.core.notify.Notifier;
import dev.infrakit.core.notify.NotifierProvider;
import dev.infrakit.core.schedule.Schedule;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Run by {@link LightRuntimeIT} in a JVM holding only infra-core's runtime jars: uses what every
 * user uses (config, providers, health, notifiers, schedules, clocks, problems, the SQL-script
 * helper) and prints one line per step; exits non-zero if any step fails.
 */
public final class LightCoreMain {
    private LightCoreMain() {
    }

    public static void main(String[] args) throws Exception {
        Config config = Config.of(Map.of("infrakit.notify.kind", "slf4j", "infrakit.health.timeout", "2s"));
        System.out.println("config: " + config.getDuration("infrakit.health.timeout"));

        System.out.println("notifiers: " + Providers.discover(NotifierProvider.class).names());
        Notifier notifier = Providers.load(NotifierProvider.class, config);
        notifier.send(new Notification("light", Notification.Severity.INFO, "title", "message", Instant.EPOCH, Map.of()));
        System.out.println("notified: " + notifier.name());

        System.out.println("health providers: " + Providers.discover(HealthCheckProvider.class).names());
        try (HealthRegistry health = HealthRegistry.builder().config(config).build()) {
            health.register(HealthCheck.of("answer", () -> HealthResult.up().observed(42, "answers")
                    .detail("quote", "\"\\\u0000\u2028").build()).build());
            health.registerProviders(config);
            HealthReport report = health.check();
            System.out.println("health: " + report.status() + " " + report.checks().keySet());
            System.out.println("health json: " + report.toJson().contains("\"observedValue\":42"));
        }

        ManualClock clock = ManualClock.at(Instant.parse("2026-01-01T00:00:00Z"));
        clock.advance(Duration.ofMinutes(90));
        System.out.println("clock: " + clock.instant() + ", next cron run: "
                + Schedule.cron("0 3 * * *").next(clock.instant()));

        System.out.println("problem: " + Problem.of(429, "Too Many Requests", "slow down").with("retryAfter", 9).toJson());

        List<String> executed = new ArrayList<>();
        DataSources.runScript(fakeDataSource(executed), "CREATE TABLE t (id int)");
        System.out.println("script: " + executed);

        for (String absent : List.of("com.zaxxer.hikari.HikariDataSource", "io.micrometer.core.instrument.MeterRegistry",
                "com.fasterxml.jackson.databind.ObjectMapper")) {
            try {
                Class.forName(absent);
                System.out.println("present: " + absent);
            } catch (ClassNotFoundException e) {
                System.out.println("absent: " + absent);
            }
        }
    }

    /** A data source answering as a non-PostgreSQL database whose statements record what they run. */
    private static javax.sql.DataSource fakeDataSource(List<String> executed) {
        InvocationHandler statement = (proxy, method, methodArgs) -> {
            if (method.getName().equals("execute")) {
                executed.add((String) methodArgs[0]);
                return false;
            }
            return null;
        };
        InvocationHandler metaData = (proxy, method, methodArgs) ->
                method.getName().equals("getDatabaseProductName") ? "FakeDB" : null;
        InvocationHandler connection = (proxy, method, methodArgs) -> {
            switch (method.getName()) {
                case "createStatement":
                    return proxy(Statement.class, statement);
                case "getMetaData":
                    return proxy(DatabaseMetaData.class, metaData);
                case "getAutoCommit":
                    return true;
                case "commit":
                    executed.add("COMMIT");
                    return null;
                default:
                    return null;
            }
        };
        return proxy(javax.sql.DataSource.class, (proxy, method, methodArgs) ->
                method.getName().equals("getConnection") ? proxy(Connection.class, connection) : null);
    }

    private static <T> T proxy(Class<T> type, InvocationHandler handler) {
        return type.cast(Proxy.newProxyInstance(LightCoreMain.class.getClassLoader(), new Class<?>[] {type}, handler));
    }
}
