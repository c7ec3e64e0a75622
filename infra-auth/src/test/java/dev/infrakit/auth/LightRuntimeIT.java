package dev.infrakit.auth;

import dev.infrakit.core.fixtures.UserRuntime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A service that only issues and verifies tokens and API keys does not pull in Caffeine (nor
 * HikariCP or Micrometer): they are not among infra-auth's runtime dependencies, and tokens and
 * keys work in a JVM that has only those jars.
 */
class LightRuntimeIT {

    @Test
    void aUserGetsNeitherCaffeineNorHikariNorMicrometer() throws Exception {
        for (String artifact : UserRuntime.of(Path.of("target")).artifacts()) {
            assertFalse(artifact.contains("caffeine") || artifact.contains("HikariCP") || artifact.contains("micrometer"),
                    artifact);
        }
    }

    @Test
    void tokensAndApiKeysWorkWithoutThem(@TempDir Path dir) throws Exception {
        String output = UserRuntime.of(Path.of("target")).run(LightAuthMain.class, dir);
        assertTrue(output.contains("token: true alice"), output);
        assertTrue(output.contains("api key: true"), output);
        assertTrue(output.contains("absent: com.github.benmanes.caffeine.cache.Caffeine"), output);
        assertTrue(output.contains("absent: com.zaxxer.hikari.HikariDataSource"), output);
        assertTrue(output.contains("absent: io.micrometer.core.instrument.MeterRegistry"), output);
    }
}
