package dev.infrakit.core.health;

/**
 * The status of one check or of a whole report, ordered from best to worst.
 *
 * <p>In {@code application/health+json} they render as {@code pass}, {@code warn} and
 * {@code fail}; over HTTP, {@code UP} and {@code DEGRADED} answer 200 and {@code DOWN} 503, so a
 * load balancer keeps a degraded instance in rotation.
 */
public enum HealthStatus {
    /** Working as intended. */
    UP("pass", 200),
    /** Working, but something needs attention (disk filling up, slow dependency). */
    DEGRADED("warn", 200),
    /** Not working; take the instance out of rotation. */
    DOWN("fail", 503);

    private final String healthJson;
    private final int httpStatus;

    HealthStatus(String healthJson, int httpStatus) {
        this.healthJson = healthJson;
        this.httpStatus = httpStatus;
    }

    /** The {@code application/health+json} value: {@code pass}, {@code warn} or {@code fail}. */
    public String healthJsonValue() {
        return healthJson;
    }

    /** The HTTP status for a report with this status: 200, or 503 for {@link #DOWN}. */
    public int httpStatus() {
        return httpStatus;
    }

    /** The worse of this status and {@code other}. */
    public HealthStatus worst(HealthStatus other) {
        return other.ordinal() > ordinal() ? other : this;
    }
}
