package dev.infrakit.credentials.rotation;

import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The labels of a credential and its rotation in progress, as {@link RotationEngine#status(String)}
 * read them. Holds no secret.
 *
 * @param name the credential
 * @param current the version labelled CURRENT
 * @param previous the version labelled PREVIOUS, 0 for none
 * @param pending the version labelled PENDING, 0 for none
 * @param step the step the rotation in progress reached: {@code IDLE} when none, else
 *     {@code STARTED}, {@code CREATED}, {@code APPLIED}, {@code TESTED} or {@code FAILED} (awaiting
 *     rollback)
 * @param rotationId the id of the rotation in progress, or null
 * @param started when it started, or null
 * @param lastRotationId the id of the last rotation that ended, or null
 * @param lastOutcome how it ended ({@code ROTATED}, {@code ROLLED_BACK}, {@code FAILED}), or null
 * @param lastFailure the reason of the last failure (secret values masked), or null
 */
public record RotationStatus(String name, int current, int previous, int pending, String step, String rotationId,
        Instant started, String lastRotationId, String lastOutcome, String lastFailure) {

    /** Whether a rotation is in progress. */
    public boolean inProgress() {
        return !"IDLE".equals(step);
    }

    /** The PREVIOUS version, if any. */
    public OptionalInt previousVersion() {
        return previous == 0 ? OptionalInt.empty() : OptionalInt.of(previous);
    }

    /** The PENDING version, if any. */
    public OptionalInt pendingVersion() {
        return pending == 0 ? OptionalInt.empty() : OptionalInt.of(pending);
    }

    /** The id of the rotation in progress, if any. */
    public Optional<String> inProgressId() {
        return Optional.ofNullable(rotationId);
    }
}
