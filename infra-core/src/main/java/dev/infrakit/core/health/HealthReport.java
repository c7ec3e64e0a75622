package dev.infrakit.core.health;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The result of evaluating a set of checks: the aggregated status, when and how long, and each
 * check's own result keyed by name (sorted). Immutable.
 *
 * <p>Aggregation is worst-first: DOWN beats DEGRADED beats UP. A non-critical check that is DOWN
 * counts as DEGRADED. An empty report is UP.
 */
public final class HealthReport {
    private final HealthStatus status;
    private final Instant time;
    private final Duration duration;
    private final Map<String, HealthResult> checks;
    private final String serviceId;
    private final Set<String> nonCritical;

    HealthReport(HealthStatus status, Instant time, Duration duration, Map<String, HealthResult> checks,
                 String serviceId, Set<String> nonCritical) {
        this.status = status;
        this.time = time;
        this.duration = duration;
        this.checks = Collections.unmodifiableMap(new LinkedHashMap<>(checks));
        this.serviceId = serviceId;
        this.nonCritical = Set.copyOf(nonCritical);
    }

    /** Whether the named check is critical (a DOWN result of a non-critical check only degrades). */
    public boolean isCritical(String check) {
        return !nonCritical.contains(check);
    }

    /** The aggregated status. */
    public HealthStatus status() {
        return status;
    }

    /** When the evaluation finished. */
    public Instant time() {
        return time;
    }

    /** How long the evaluation took (the longest wait, since checks run in parallel). */
    public Duration duration() {
        return duration;
    }

    /** Each check's result, keyed by check name, sorted by name. */
    public Map<String, HealthResult> checks() {
        return checks;
    }

    /** The service id configured on the registry, rendered as {@code serviceId}. */
    public Optional<String> serviceId() {
        return Optional.ofNullable(serviceId);
    }

    /** The HTTP status to answer with: 200 for UP and DEGRADED, 503 for DOWN. */
    public int httpStatus() {
        return status.httpStatus();
    }

    /** This report as {@code application/health+json}. */
    public String toJson() {
        return HealthJson.write(this);
    }

    @Override
    public String toString() {
        return "HealthReport[" + status + ", " + checks + "]";
    }
}
