package dev.infrakit.core;

import dev.infrakit.core.fixtures.UserRuntime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * infra-core brings a user SLF4J and nothing else: HikariCP, Micrometer and Jackson are not in its
 * runtime dependencies, and the basics work in a JVM that has only those jars.
 */
class LightRuntimeIT {

    @Test
    void aUserGetsOnlySlf4j() throws Exception {
        assertEquals(Set.of("org.slf4j:slf4j-api"), UserRuntime.of(Path.of("target")).artifacts());
    }

    @Test
    void configProvidersHealthNotifiersAndScriptsWorkWithoutHikariMicrometerOrJackson(@TempDir Path dir) throws Exception {
        String output = UserRuntime.of(Path.of("target")).run(LightCoreMain.class, dir);
        assertTrue(output.contains("config: PT2S"), output);
        assertTrue(output.contains("notifiers: [webhook, email, slf4j]"), output);
        assertTrue(output.contains("notified: slf4j(NOP)"), output);
        assertTrue(output.contains("health providers: [disk-space, heap, system-memory]"), output);
        assertTrue(output.matches("(?s).*health: (UP|DEGRADED|DOWN) \\[answer, disk:[^,]+, heap, system-memory].*"), output);
        assertTrue(output.contains("health json: true"), output);
        assertTrue(output.contains("next cron run: 2026-01-01T03:00:00Z"), output);
        assertTrue(output.contains("problem: {\"type\":\"about:blank\",\"title\":\"Too Many Requests\",\"status\":429,"
                + "\"detail\":\"slow down\",\"retryAfter\":9}"), output);
        assertTrue(output.contains("script: [CREATE TABLE t (id int), COMMIT]"), output);
        assertTrue(output.contains("absent: com.zaxxer.hikari.HikariDataSource"), output);
        assertTrue(output.contains("absent: io.micrometer.core.instrument.MeterRegistry"), output);
        assertTrue(output.contains("absent: com.fasterxml.jackson.databind.ObjectMapper"), output);
    }
}
