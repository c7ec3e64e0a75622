package dev.infrakit.core.health;

import dev.infrakit.core.internal.JsonText;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
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

    private HealthJson() {
    }

    /**
     * The report as a JSON document. Observed values and details are written as JSON values:
     * strings, numbers, booleans, maps, lists and arrays as such, anything else as the string of
     * its {@code toString()}.
     */
    public static String write(HealthReport report) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("status", report.status().healthJsonValue());
        report.serviceId().ifPresent(id -> root.put("serviceId", id));
        root.put("time", report.time().toString());
        root.put("durationMs", millis(report.duration()));
        Map<String, Object> checks = new LinkedHashMap<>();
        for (Map.Entry<String, HealthResult> entry : report.checks().entrySet()) {
            Map<String, Object> check = check(entry.getValue());
            if (!report.isCritical(entry.getKey())) {
                check.put("critical", false);
            }
            checks.put(entry.getKey(), List.of(check));
        }
        root.put("checks", checks);
        return JsonText.write(root);
    }

    private static Map<String, Object> check(HealthResult result) {
        Map<String, Object> node = new LinkedHashMap<>();
        node.put("status", result.status().healthJsonValue());
        result.time().ifPresent(t -> node.put("time", t.toString()));
        result.observedValue().ifPresent(v -> node.put("observedValue", v));
        result.observedUnit().ifPresent(u -> node.put("observedUnit", u));
        if (result.status() != HealthStatus.UP) {
            result.output().ifPresent(o -> node.put("output", o));
        }
        result.duration().ifPresent(d -> node.put("durationMs", millis(d)));
        if (!result.details().isEmpty()) {
            node.put("details", result.details());
        }
        return node;
    }

    private static double millis(Duration d) {
        return Measure.millis(d.toNanos());
    }
}
