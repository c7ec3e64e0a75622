package dev.infrakit.core;

import dev.infrakit.core.fixtures.BuilderContract;
import dev.infrakit.core.health.DataSourceHealthCheck;
import dev.infrakit.core.health.DiskSpaceHealthCheck;
import dev.infrakit.core.health.HealthCheck;
import dev.infrakit.core.health.HealthMetricNames;
import dev.infrakit.core.health.HealthRegistry;
import dev.infrakit.core.health.HealthResult;
import dev.infrakit.core.health.HttpProbeHealthCheck;
import dev.infrakit.core.health.MemoryHealthCheck;
import dev.infrakit.core.notify.EmailNotifier;
import dev.infrakit.core.notify.WebhookNotifier;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every setter of every builder of infra-core's health checks and notifiers refuses a second value. */
class BuilderSettingsTest {
    private static final Set<String> COMMON = Set.of("name", "groups", "critical", "timeout");

    private static Set<String> plus(Set<String> a, String... more) {
        Set<String> all = new HashSet<>(a);
        all.addAll(Set.of(more));
        return all;
    }

    @Test
    void everyHealthBuilderRefusesASettingGivenTwice() {
        DataSource dataSource = (DataSource) Proxy.newProxyInstance(DataSource.class.getClassLoader(),
                new Class<?>[] {DataSource.class}, (proxy, method, args) -> {
                    throw new UnsupportedOperationException(method.getName());
                });
        assertEquals(COMMON, BuilderContract.of(() -> HealthCheck.of("c", () -> HealthResult.up().build())).check());
        assertEquals(plus(COMMON, "degradedBelow", "downBelow", "downBelowBytes"),
                BuilderContract.of(() -> DiskSpaceHealthCheck.builder(Path.of("."))).check());
        assertEquals(plus(COMMON, "degradedAbove", "downAbove"), BuilderContract.of(MemoryHealthCheck::heap).check());
        assertEquals(plus(COMMON, "degradedAbove", "downAbove"), BuilderContract.of(MemoryHealthCheck::system).check());
        assertEquals(plus(COMMON, "httpClient", "requestTimeout", "latencyBound", "expectStatus"),
                BuilderContract.of(() -> HttpProbeHealthCheck.builder(URI.create("http://127.0.0.1/health")))
                        .value(HttpClient.class, HttpClient.newHttpClient()).value("expectStatus", 200, 299).check());
        assertEquals(plus(COMMON, "query", "queryTimeout"),
                BuilderContract.of(() -> DataSourceHealthCheck.builder(dataSource)).check());
        assertEquals(Set.of("observed"),
                BuilderContract.of(HealthResult::up).adders("detail").value(Object.class, 1).check());
        assertEquals(Set.of("defaultTimeout", "cacheTtl", "backgroundEvaluation", "clock", "ticker", "executor",
                        "maxThreads", "notificationQueueSize", "serviceId", "config"),
                BuilderContract.of(HealthRegistry::builder).adders("notifier")
                        .value("backgroundEvaluation", Duration.ofSeconds(1), Duration.ofSeconds(3))
                        .value(Config.class, Config.of(Map.of("infrakit.health.timeout", "1s"))).check());
        assertEquals(Set.of("status", "duration"), BuilderContract.of(HealthMetricNames::custom).check());
    }

    @Test
    void everyNotifierBuilderRefusesASettingGivenTwice() {
        assertEquals(Set.of("httpClient", "timeout", "maxAttempts", "backoff"),
                BuilderContract.of(() -> WebhookNotifier.builder(URI.create("https://hooks.example.com/x")))
                        .value(HttpClient.class, HttpClient.newHttpClient()).check());
        assertEquals(Set.of("from", "credentials", "startTls", "implicitTls", "timeout"),
                BuilderContract.of(() -> EmailNotifier.builder("smtp.example.com", 587)).adders("to")
                        .value("from", "alerts@example.com").check());
    }

    @Test
    void theHttpBuildersRefuseASettingGivenTwice() {
        assertEquals(Set.of("trustedProxies", "ipv6PrefixLength"),
                BuilderContract.of(dev.infrakit.core.http.ClientAddress::resolver).value("ipv6PrefixLength", 64).check());
    }

    @Test
    void unsetSettingsTakeTheirDefaults() throws Exception {
        assertEquals(HealthMetricNames.DEFAULT, HealthMetricNames.custom().build());
        HealthCheck check = HealthCheck.of("c", () -> HealthResult.up().build()).build();
        assertEquals(true, check.critical());
        assertEquals(Set.of(), check.groups());
        DiskSpaceHealthCheck disk = DiskSpaceHealthCheck.builder(Path.of(".")).build();
        assertEquals(Set.of(HealthCheck.READINESS), disk.groups());
        assertEquals("disk:.", disk.name());
        assertEquals("db", DataSourceHealthCheck.builder(
                (DataSource) Proxy.newProxyInstance(DataSource.class.getClassLoader(), new Class<?>[] {DataSource.class},
                        (proxy, method, args) -> null)).name("db").build().name());
    }
}
