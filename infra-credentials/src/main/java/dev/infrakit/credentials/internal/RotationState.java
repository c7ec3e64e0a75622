package dev.infrakit.credentials.internal;

import dev.infrakit.credentials.SecretValue;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The label state of one rotated credential, kept as the fields of a {@link SecretValue} in a
 * companion credential ({@code <name>.rotation}) and only ever replaced with a check-and-set write
 * on that companion's version. Nothing in it is secret: version numbers, the step reached, the
 * rotation's id and times, and the last outcome.
 *
 * <p>Immutable; the {@code with*} methods return changed copies.
 *
 * @param current the version labelled CURRENT (0 only before the first write of the state)
 * @param previous the version labelled PREVIOUS, 0 for none
 * @param pending the version labelled PENDING, 0 for none
 * @param step the step the rotation in progress reached ({@link Step#IDLE} when none)
 * @param rotationId the id of the rotation in progress, or null
 * @param started when it started, or null
 * @param heartbeat when its owner last wrote the state, or null
 * @param base the credential's newest version when the rotation started (to recognise a PENDING
 *     written just before a crash), 0 when idle
 * @param lastRotationId the id of the last rotation that ended, or null
 * @param lastOutcome how it ended (ROTATED, ROLLED_BACK, FAILED), or null
 * @param lastFailure the redacted reason of the last failure, or null
 */
public record RotationState(int current, int previous, int pending, Step step, String rotationId, Instant started,
        Instant heartbeat, int base, String lastRotationId, String lastOutcome, String lastFailure) {

    /** The step a rotation reached; each is recorded once it is done. */
    public enum Step {
        /** No rotation in progress. */
        IDLE,
        /** Started: the state names the rotation, no PENDING yet. */
        STARTED,
        /** PENDING written to the store. */
        CREATED,
        /** PENDING applied to the target system. */
        APPLIED,
        /** PENDING tested; only the label switch is left. */
        TESTED,
        /** A step failed: the rotation must be rolled back. */
        FAILED
    }

    /** The state before any rotation: {@code current} is CURRENT, nothing else. */
    public static RotationState initial(int current) {
        return new RotationState(current, 0, 0, Step.IDLE, null, null, null, 0, null, null, null);
    }

    /** Whether a rotation is in progress (any step but IDLE). */
    public boolean inProgress() {
        return step != Step.IDLE;
    }

    /** A copy at another step, with a new heartbeat. */
    public RotationState withStep(Step newStep, Instant now) {
        return new RotationState(current, previous, pending, newStep, rotationId, started, now, base, lastRotationId,
                lastOutcome, lastFailure);
    }

    /** A copy with PENDING set, at step CREATED. */
    public RotationState withPending(int version, Instant now) {
        return new RotationState(current, previous, version, Step.CREATED, rotationId, started, now, base,
                lastRotationId, lastOutcome, lastFailure);
    }

    /** A copy with a new heartbeat (taking over an abandoned rotation). */
    public RotationState withHeartbeat(Instant now) {
        return withStep(step, now);
    }

    /** A copy at step FAILED with the reason. */
    public RotationState failed(String reason, Instant now) {
        return new RotationState(current, previous, pending, Step.FAILED, rotationId, started, now, base,
                lastRotationId, lastOutcome, reason);
    }

    /** A copy with a new rotation started. */
    public RotationState start(String id, int newestVersion, Instant now) {
        return new RotationState(current, previous, 0, Step.STARTED, id, now, now, newestVersion, lastRotationId,
                lastOutcome, lastFailure);
    }

    /** The label switch: PENDING becomes CURRENT, CURRENT becomes PREVIOUS. */
    public RotationState finish() {
        return new RotationState(pending, current, 0, Step.IDLE, null, null, null, 0, rotationId, "ROTATED", null);
    }

    /** Back to idle after a failure: labels as they were, PENDING dropped. */
    public RotationState abandon(String outcome, String reason) {
        return new RotationState(current, previous, 0, Step.IDLE, null, null, null, 0, rotationId, outcome, reason);
    }

    /** The fields to store. */
    public SecretValue encode() {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("current", Integer.toString(current));
        f.put("previous", Integer.toString(previous));
        f.put("pending", Integer.toString(pending));
        f.put("step", step.name());
        f.put("base", Integer.toString(base));
        putIf(f, "rotationId", rotationId);
        putIf(f, "started", started == null ? null : started.toString());
        putIf(f, "heartbeat", heartbeat == null ? null : heartbeat.toString());
        putIf(f, "lastRotationId", lastRotationId);
        putIf(f, "lastOutcome", lastOutcome);
        putIf(f, "lastFailure", lastFailure);
        return SecretValue.ofFields(f);
    }

    private static void putIf(Map<String, String> f, String key, String value) {
        if (value != null) {
            f.put(key, value);
        }
    }

    /**
     * Reads stored fields.
     *
     * @throws IllegalArgumentException if they are not a rotation state
     */
    public static RotationState decode(SecretValue value) {
        try {
            return new RotationState(number(value, "current"), number(value, "previous"), number(value, "pending"),
                    Step.valueOf(value.field("step").orElseThrow()), text(value, "rotationId"),
                    instant(value, "started"), instant(value, "heartbeat"), number(value, "base"),
                    text(value, "lastRotationId"), text(value, "lastOutcome"), text(value, "lastFailure"));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("Not a rotation state (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    private static int number(SecretValue value, String field) {
        return Integer.parseInt(value.field(field).orElseThrow());
    }

    private static String text(SecretValue value, String field) {
        return value.field(field).orElse(null);
    }

    private static Instant instant(SecretValue value, String field) {
        Optional<String> text = value.field(field);
        return text.map(Instant::parse).orElse(null);
    }
}
