package dev.infrakit.credentials.rotation;

import java.util.Objects;

/**
 * How a call to {@link RotationEngine#rotate(String)} ended.
 *
 * @param name the credential
 * @param rotationId the rotation's id
 * @param outcome what happened
 * @param resumed whether this call took over a rotation started earlier (after a crash, or by id)
 * @param previousVersion the version labelled PREVIOUS afterwards (0 for none)
 * @param currentVersion the version labelled CURRENT afterwards
 */
public record RotationResult(String name, String rotationId, Outcome outcome, boolean resumed, int previousVersion,
        int currentVersion) {

    /** What a call did. */
    public enum Outcome {
        /** The rotation finished: a new version is CURRENT. */
        ROTATED,
        /** An earlier failed rotation was rolled back: CURRENT is unchanged. */
        ROLLED_BACK,
        /** The rotation with this id had already finished; nothing was done. */
        ALREADY_ROTATED
    }

    /** Checks the components. */
    public RotationResult {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(rotationId, "rotationId");
        Objects.requireNonNull(outcome, "outcome");
    }
}
