package dev.infrakit.spring.boot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.infrakit.audit.AuditSink;
import dev.infrakit.auth.ApiKeys;
import dev.infrakit.auth.TokenVerifier;
import dev.infrakit.backup.BackupRunner;
import dev.infrakit.core.health.HealthRegistry;
import dev.infrakit.credentials.CredentialStore;
import dev.infrakit.ratelimit.RateLimiter;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.annotation.ImportCandidates;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class AutoConfigurationRegistrationTest {

    private static final List<String> ALL = List.of(InfrakitAuditAutoConfiguration.class.getName(),
            InfrakitCredentialsAutoConfiguration.class.getName(), InfrakitRateLimitAutoConfiguration.class.getName(),
            InfrakitAuthAutoConfiguration.class.getName(), InfrakitBackupAutoConfiguration.class.getName(),
            InfrakitHealthAutoConfiguration.class.getName(), InfrakitScheduleAutoConfiguration.class.getName(),
            InfrakitCredentialRotationAutoConfiguration.class.getName());

    @Test
    void everyAutoConfigurationIsListedForSpringBoot() {
        List<String> listed = new ArrayList<>();
        ImportCandidates.load(AutoConfiguration.class, getClass().getClassLoader()).forEach(listed::add);
        assertThat(listed).containsAll(ALL).contains(dev.infrakit.spring.boot.web.InfrakitWebAutoConfiguration.class.getName(),
                dev.infrakit.spring.boot.security.InfrakitSecurityAutoConfiguration.class.getName(),
                dev.infrakit.spring.boot.actuate.InfrakitActuatorAutoConfiguration.class.getName(),
                dev.infrakit.spring.boot.actuate.InfrakitMetricsAutoConfiguration.class.getName());
    }

    @Test
    void allTogetherAndUnconfiguredTheyCreateNothing() throws ClassNotFoundException {
        Class<?>[] classes = new Class<?>[ALL.size()];
        for (int i = 0; i < classes.length; i++) {
            classes[i] = Class.forName(ALL.get(i));
        }
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(classes)).run(context -> assertThat(context)
                .hasNotFailed().doesNotHaveBean(RateLimiter.class).doesNotHaveBean(CredentialStore.class)
                .doesNotHaveBean(AuditSink.class).doesNotHaveBean(TokenVerifier.class).doesNotHaveBean(ApiKeys.class)
                .doesNotHaveBean(BackupRunner.class).doesNotHaveBean(HealthRegistry.class)
                .doesNotHaveBean(dev.infrakit.core.schedule.ClusterLock.class));
    }

    @Test
    void theMetadataDescribesEveryCapabilitysKeysFromTheFieldJavadoc() throws Exception {
        JsonNode metadata;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("META-INF/spring-configuration-metadata.json")) {
            assertThat(in).isNotNull();
            metadata = new ObjectMapper().readTree(in);
        }
        Map<String, String> descriptions = new HashMap<>();
        metadata.get("properties").forEach(p -> descriptions.put(p.get("name").textValue(),
                p.has("description") ? p.get("description").textValue() : ""));
        for (String key : List.of("infrakit.ratelimit.tiers", "infrakit.ratelimit.tier", "infrakit.credentials.store",
                "infrakit.credentials.cache.enabled", "infrakit.audit.sink", "infrakit.auth.jwks-uri",
                "infrakit.auth.api-keys.enabled", "infrakit.backup.schedule.every", "infrakit.health.timeout",
                "infrakit.schedule.lock", "infrakit.schedule.postgres.namespace",
                "infrakit.web.trusted-proxies", "infrakit.web.body-limit.max-size", "infrakit.web.address-rate-limit.tier",
                "infrakit.web.principal-rate-limit.role-tiers", "infrakit.web.principal-rate-limit.default-tier",
                "infrakit.web.security.roles-claim", "infrakit.web.security.failure-cost",
                "infrakit.web.security.public-paths")) {
            assertThat(descriptions).containsKey(key);
            assertThat(descriptions.get(key)).as(key).isNotBlank();
        }
        assertThat(descriptions.get("infrakit.credentials.master-key")).contains("Secret");
        assertThat(descriptions.get("infrakit.schedule.postgres.password")).contains("Secret");
    }
}
