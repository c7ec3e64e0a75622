package dev.infrakit.ratelimit;

import dev.infrakit.core.fixtures.UserRuntime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An in-memory rate limiter costs a user infra-core and SLF4J: no HikariCP, Micrometer or Jackson
 * in infra-ratelimit's runtime dependencies, and the limiter, its headers and problem body and the
 * store providers work in a JVM that has only those jars.
 */
class LightRuntimeIT {

    @Test
    void aUserGetsOnlyInfraCoreAndSlf4j() throws Exception {
        assertEquals(Set.of("dev.infrakit:infra-core", "org.slf4j:slf4j-api"), UserRuntime.of(Path.of("target")).artifacts());
    }

    @Test
    void anInMemoryLimiterWorksWithoutHikariMicrometerOrJackson(@TempDir Path dir) throws Exception {
        String output = UserRuntime.of(Path.of("target")).run(LightRateLimitMain.class, dir);
        assertTrue(output.contains("admitted: yyyn"), output);
        assertTrue(output.contains("headers: {RateLimit-Policy=\"user\";q=3;w=60, RateLimit=\"user\";r=0;t=60, Retry-After=20}"), output);
        assertTrue(output.contains("problem: {\"type\":\"about:blank\",\"title\":\"Too Many Requests\",\"status\":429,"
                + "\"detail\":\"Rate limit of 3/1m for tier 'user' exceeded; retry in 20 seconds.\",\"retryAfter\":20,"
                + "\"violated-policies\":[\"user\"]}"), output);
        assertTrue(output.contains("after 20s: true"), output);
        assertTrue(output.contains("stores: [memory, postgres]"), output);
        assertTrue(output.contains("store from config: LocalRateLimitStore"), output);
        assertTrue(output.contains("from config: [anonymous, user, admin] true"), output);
        assertTrue(output.contains("absent: com.zaxxer.hikari.HikariDataSource"), output);
        assertTrue(output.contains("absent: io.micrometer.core.instrument.MeterRegistry"), output);
        assertTrue(output.contains("absent: com.fasterxml.jackson.databind.ObjectMapper"), output);
    }
}
