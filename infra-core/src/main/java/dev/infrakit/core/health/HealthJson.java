package dev.infrakit.core.health;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.util.Map;

/**
 * Renders reports in the {@code application/health+json} format of the IETF draft "Health Check
 * Response Format for HTTP APIs": {@code status} (pass/warn/fail), {@code time}, and {@code checks}
 * keyed by component, each an array of one object with {@code status}, {@code time},
 * {@code observedValue}/{@code observedUnit} when measured and {@code output} only when not
 * passing. Infrakit adds {@code durationMs} (per check and overall), {@code details}, and
 * {@code "critical": false} on checks that can only degrade the status, which the draft allows as extensions.
 */
public final class HealthJson {
    /** The media type. */
    public static final String MEDIA_TYPE = "application/health+json";

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private HealthJson() {
    }

    /** The report as a JSON document. */
    public static String write(HealthReport report) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("status", report.status().healthJsonValue());
        report.serviceId().ifPresent(id -> root.put("serviceId", id));
        root.put("time", report.time().toString());
        root.put("durationMs", millis(report.duration()));
        ObjectNode checks = root.putObject("checks");
        for (Map.Entry<String, HealthResult> entry : report.checks().entrySet()) {
            ArrayNode array = checks.putArray(entry.getKey());
            ObjectNode check = check(entry.getValue());
            if (!report.isCritical(entry.getKey())) {
                check.put("critical", false);
            }
            array.add(check);
        }
        try {
            return MAPPER.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Could not render a health report: " + e.getOriginalMessage(), e);
        }
    }

    private static ObjectNode check(HealthResult result) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("status", result.status().healthJsonValue());
        result.time().ifPresent(t -> node.put("time", t.toString()));
        result.observedValue().ifPresent(v -> node.set("observedValue", MAPPER.valueToTree(v)));
        result.observedUnit().ifPresent(u -> node.put("observedUnit", u));
        if (result.status() != HealthStatus.UP) {
            result.output().ifPresent(o -> node.put("output", o));
        }
        result.duration().ifPresent(d -> node.put("durationMs", millis(d)));
        if (!result.details().isEmpty()) {
            node.set("details", MAPPER.valueToTree(result.details()));
        }
        return node;
    }

    private static double millis(Duration d) {
        return Measure.millis(d.toNanos());
    }
}
