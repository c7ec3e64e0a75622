package dev.infrakit.spring.boot;

import dev.infrakit.core.Config;
import dev.infrakit.core.ConfigException;
import org.junit.jupiter.api.Test;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EnvironmentConfigTest {

    private static StandardEnvironment environment(Map<String, Object> variables, Map<String, Object> low,
            Map<String, Object> high) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().replace(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, variables));
        environment.getPropertySources().replace(StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME,
                new MapPropertySource(StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME, Map.of()));
        environment.getPropertySources().addFirst(new MapPropertySource("high", high));
        environment.getPropertySources().addLast(new MapPropertySource("application.properties", low));
        return environment;
    }

    @Test
    void onlyInfrakitKeysAreRead() {
        Config config = EnvironmentConfig.of(environment(Map.of("PATH", "/bin"),
                Map.of("infrakit.audit.sink", "slf4j", "spring.application.name", "app"), Map.of()));
        assertThat(config.find("infrakit.audit.sink")).contains("slf4j");
        assertThat(config.find("spring.application.name")).isEmpty();
    }

    @Test
    void aHigherPropertySourceWinsAsInSpring() {
        Config config = EnvironmentConfig.of(environment(Map.of(), Map.of("infrakit.ratelimit.name", "low"),
                Map.of("infrakit.ratelimit.name", "high")));
        assertThat(config.getString("infrakit.ratelimit.name")).isEqualTo("high");
    }

    @Test
    void anEnvironmentVariableOverridesApplicationPropertiesAsInSpring() {
        Config config = EnvironmentConfig.of(environment(Map.of("INFRAKIT_RATELIMIT_NAME", "from-env"),
                Map.of("infrakit.ratelimit.name", "from-file"), Map.of()));
        assertThat(config.getString("infrakit.ratelimit.name")).isEqualTo("from-env");
    }

    @Test
    void environmentVariablesAloneMapToDashedKeysAsOutsideSpring() {
        Config config = EnvironmentConfig.of(environment(Map.of("INFRAKIT_AUDIT_MAX_FILE_SIZE", "100MB",
                "OTHER_VARIABLE", "x"), Map.of(), Map.of()));
        assertThat(config.getSize("infrakit.audit.max-file-size")).isEqualTo(100L * 1024 * 1024);
    }

    @Test
    void aYamlListIsACommaSeparatedListInIndexOrder() {
        Config config = EnvironmentConfig.of(environment(Map.of(), Map.of("infrakit.ratelimit.tiers[1]", "user",
                "infrakit.ratelimit.tiers[0]", "anonymous", "infrakit.ratelimit.tiers[10]", "admin"), Map.of()));
        assertThat(config.getList("infrakit.ratelimit.tiers")).isEqualTo(List.of("anonymous", "user", "admin"));
    }

    @Test
    void placeholdersAreResolvedBySpring() {
        Config config = EnvironmentConfig.of(environment(Map.of(), Map.of("infrakit.audit.dir", "${base}/audit",
                "base", "/var/app"), Map.of()));
        assertThat(config.getString("infrakit.audit.dir")).isEqualTo("/var/app/audit");
    }

    @Test
    void aBadValueNamesTheKeyAndWhereItCameFromAndMasksSecrets() {
        Config config = EnvironmentConfig.of(environment(Map.of(), Map.of("infrakit.pool.size", "ten",
                "infrakit.credentials.master-key", "hunter2-secret"), Map.of()));
        assertThatThrownBy(() -> config.getInt("infrakit.pool.size")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("'infrakit.pool.size'").hasMessageContaining(EnvironmentConfig.SOURCE);
        assertThat(config.toString()).doesNotContain("hunter2-secret");
        assertThatThrownBy(() -> config.getInt("infrakit.credentials.master-key"))
                .hasMessageContaining("infrakit.credentials.master-key").hasMessageNotContaining("hunter2-secret");
    }

    @Test
    void hostileValuesPassThroughUnchanged() {
        String hostile = "a\u0000b\nc\u2028d";
        Config config = EnvironmentConfig.of(environment(Map.of(), Map.of("infrakit.health.service-id", hostile), Map.of()));
        assertThat(config.getString("infrakit.health.service-id")).isEqualTo(hostile);
    }
}
