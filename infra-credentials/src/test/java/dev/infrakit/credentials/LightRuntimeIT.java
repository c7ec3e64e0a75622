package dev.infrakit.credentials;

import dev.infrakit.core.fixtures.UserRuntime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The credential stores cost a user no cache, pool or metrics library: infra-credentials' runtime
 * dependencies have no Caffeine, HikariCP or Micrometer, and the file and memory stores and the
 * providers work in a JVM that has only those jars.
 */
class LightRuntimeIT {

    @Test
    void aUserGetsNeitherCaffeineNorHikariNorMicrometer() throws Exception {
        assertEquals(Set.of("dev.infrakit:infra-core", "dev.infrakit:infra-audit", "org.slf4j:slf4j-api",
                "com.fasterxml.jackson.core:jackson-databind", "com.fasterxml.jackson.core:jackson-core",
                "com.fasterxml.jackson.core:jackson-annotations", "com.nimbusds:nimbus-jose-jwt"),
                UserRuntime.of(Path.of("target")).artifacts());
    }

    @Test
    void theStoresWorkWithoutThem(@TempDir Path dir) throws Exception {
        String output = UserRuntime.of(Path.of("target")).run(LightCredentialsMain.class, dir, dir.toString());
        assertTrue(output.contains("file store read: app"), output);
        assertTrue(output.contains("memory store version: 1"), output);
        assertTrue(output.contains("no meters: true"), output);
        assertTrue(output.contains("stores: [memory, file, postgres]"), output);
        assertTrue(output.contains("absent: com.github.benmanes.caffeine.cache.Caffeine"), output);
        assertTrue(output.contains("absent: com.zaxxer.hikari.HikariDataSource"), output);
        assertTrue(output.contains("absent: io.micrometer.core.instrument.MeterRegistry"), output);
    }
}
