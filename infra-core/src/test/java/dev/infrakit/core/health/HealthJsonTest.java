package dev.infrakit.core.health;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HealthJsonTest {
    private static final String HOSTILE = "\"},\"status\":\"pass\\\u0000\n\u2028\ud800</script>";
    /** HOSTILE as a parser reads it back: its lone surrogate is the replacement character. */
    private static final String READ = HOSTILE.replace('\ud800', '\ufffd');

    @Test
    void hostileNamesOutputsAndDetailsStayInsideTheirStrings() throws Exception {
        HealthResult result = HealthResult.down(HOSTILE).observed(Double.NaN, HOSTILE)
                .detail(HOSTILE, HOSTILE).detail("since", Instant.parse("2026-12-06T10:00:00Z"))
                .detail("paths", List.of("/a", 2)).build()
                .withTiming(Instant.parse("2026-12-06T10:00:01Z"), Duration.ofMillis(3));
        HealthReport report = new HealthReport(HealthStatus.DOWN, Instant.parse("2026-12-06T10:00:02Z"), Duration.ofMillis(4),
                Map.of(HOSTILE, result), HOSTILE, Set.of(HOSTILE));
        String json = report.toJson();
        assertFalse(new String(json.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8).contains("?"),
                "every char encodes to UTF-8: " + json);

        JsonNode root = new ObjectMapper().readTree(json);
        assertEquals("fail", root.get("status").textValue());
        assertEquals(READ, root.get("serviceId").textValue());
        JsonNode check = root.get("checks").get(READ).get(0);
        assertEquals("fail", check.get("status").textValue());
        assertEquals(READ, check.get("output").textValue());
        assertEquals("NaN", check.get("observedValue").textValue());
        assertEquals(READ, check.get("observedUnit").textValue());
        assertEquals(READ, check.get("details").get(READ).textValue());
        assertEquals("2026-12-06T10:00:00Z", check.get("details").get("since").textValue(), "java.time values as text");
        assertEquals(2, check.get("details").get("paths").get(1).intValue());
        assertEquals(3.0, check.get("durationMs").doubleValue());
        assertFalse(check.get("critical").booleanValue());
        assertTrue(json.startsWith("{\"status\":\"fail\",\"serviceId\":"), json);
    }
}
