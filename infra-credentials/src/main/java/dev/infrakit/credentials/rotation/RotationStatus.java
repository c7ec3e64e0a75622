package dev.infrakit.credentials.rotation;

import java.time.Instant;
import java.util.EnumSet;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The labels of a credential and its rotation in progress, as {@link RotationEngine#status(String)}
 * read them in one read: {@link #labels(int)} gives the labels of any version without reading the
 * store again. Holds no secret.
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

    /** The labels a version can carry. */
    public enum Label {
        /** The version consumers should use. */
        CURRENT,
        /** The version CURRENT replaced, still accepted while consumers move over. */
        PREVIOUS,
        /** The version a rotation in progress created, not yet CURRENT. */
        PENDING
    }

    /**
     * The labels {@code version} carries, in {@link Label} order: empty for a version with none.
     *
     * @param version a version of the credential
     * @return its labels (a new set the caller may change)
     */
    public Set<Label> labels(int version) {
        EnumSet<Label> labels = EnumSet.noneOf(Label.class);
        if (version <= 0) {
            return labels;
        }
        if (current == version) {
            labels.add(Label.CURRENT);
        }
        if (previous == version) {
            labels.add(Label.PREVIOUS);
        }
        if (pending == version) {
            labels.add(Label.PENDING);
        }
        return labels;
    }

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
