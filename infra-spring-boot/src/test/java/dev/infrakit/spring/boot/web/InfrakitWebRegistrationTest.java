package dev.infrakit.spring.boot.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.infrakit.spring.boot.actuate.InfrakitActuatorAutoConfiguration;
import dev.infrakit.spring.boot.actuate.InfrakitMetricsAutoConfiguration;
import dev.infrakit.spring.boot.security.InfrakitSecurityAutoConfiguration;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.context.annotation.ImportCandidates;

import static org.assertj.core.api.Assertions.assertThat;

class InfrakitWebRegistrationTest {

    @Test
    void theWebSecurityAndActuatorAutoConfigurationsAreListedForSpringBoot() {
        List<String> listed = new ArrayList<>();
        ImportCandidates.load(AutoConfiguration.class, getClass().getClassLoader()).forEach(listed::add);
        assertThat(listed).contains(InfrakitWebAutoConfiguration.class.getName(),
                InfrakitSecurityAutoConfiguration.class.getName(), InfrakitActuatorAutoConfiguration.class.getName(),
                InfrakitMetricsAutoConfiguration.class.getName());
    }

    @Test
    void theMetadataDescribesTheWebKeysFromTheFieldJavadoc() throws Exception {
        JsonNode metadata;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("META-INF/spring-configuration-metadata.json")) {
            assertThat(in).isNotNull();
            metadata = new ObjectMapper().readTree(in);
        }
        Map<String, String> descriptions = new HashMap<>();
        metadata.get("properties").forEach(p -> descriptions.put(p.get("name").textValue(),
                p.has("description") ? p.get("description").textValue() : ""));
        for (String key : List.of("infrakit.web.trusted-proxies", "infrakit.web.security-headers.enabled",
                "infrakit.web.body-limit.max-size", "infrakit.web.address-rate-limit.tier",
                "infrakit.web.address-rate-limit.exempt-paths", "infrakit.web.principal-rate-limit.role-tiers",
                "infrakit.web.principal-rate-limit.default-tier", "infrakit.web.security.roles-claim",
                "infrakit.web.security.failure-cost", "infrakit.web.security.public-paths")) {
            assertThat(descriptions).containsKey(key);
            assertThat(descriptions.get(key)).as(key).isNotBlank();
        }
    }
}
