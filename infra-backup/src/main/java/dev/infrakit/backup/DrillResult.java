package dev.infrakit.backup;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * The outcome of a restore drill: whether the backup restored into a scratch database with the
 * tables and row counts its manifest recorded, how long the restore took (the measured RTO), and
 * what did not match.
 */
public final class DrillResult {
    private final Instant at;
    private final boolean passed;
    private final Duration restoreTime;
    private final String detail;
    private final Instant recoveredTo;

    /**
     * @param at when the drill ran
     * @param passed whether everything matched
     * @param restoreTime how long the restore took
     * @param detail what was checked, or what did not match
     */
    public DrillResult(Instant at, boolean passed, Duration restoreTime, String detail) {
        this(at, passed, restoreTime, detail, null);
    }

    /**
     * A drill that recovered to a point in time ({@link PointInTimeDrill}).
     *
     * @param at when the drill ran
     * @param passed whether everything matched
     * @param restoreTime how long the restore took, until the server accepted writes
     * @param detail what was checked, or what did not match
     * @param recoveredTo the commit time of the last transaction recovered (null when unknown)
     */
    public DrillResult(Instant at, boolean passed, Duration restoreTime, String detail, Instant recoveredTo) {
        this.at = Objects.requireNonNull(at, "at");
        this.passed = passed;
        this.restoreTime = Objects.requireNonNull(restoreTime, "restoreTime");
        this.detail = Objects.requireNonNull(detail, "detail");
        this.recoveredTo = recoveredTo;
    }

    /**
     * The achieved recovery point of a point-in-time drill: the commit time of the last transaction
     * the restored server replayed ({@code at} minus this is how much a disaster at {@code at}
     * would have lost, had the archive been all that was left). Empty for a dump's drill.
     */
    public java.util.Optional<Instant> recoveredTo() {
        return java.util.Optional.ofNullable(recoveredTo);
    }

    /** When the drill ran. */
    public Instant at() {
        return at;
    }

    /** Whether the restore matched the manifest. */
    public boolean passed() {
        return passed;
    }

    /** How long the restore took: the measured recovery time. */
    public Duration restoreTime() {
        return restoreTime;
    }

    /** What was checked, or what did not match. */
    public String detail() {
        return detail;
    }

    @Override
    public String toString() {
        return "DrillResult[" + (passed ? "passed" : "FAILED") + " at " + at + " in " + restoreTime
                + (recoveredTo == null ? "" : ", recovered to " + recoveredTo) + ": " + detail + "]";
    }
}
