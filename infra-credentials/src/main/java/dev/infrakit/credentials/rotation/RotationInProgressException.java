package dev.infrakit.credentials.rotation;

/**
 * Another rotation of the credential is in progress (its owner wrote the state within the lease),
 * so this one did not start. Retry later, or resume that rotation by its id with
 * {@link RotationEngine#rotate(String, String)}.
 */
public class RotationInProgressException extends RotationException {
    private static final long serialVersionUID = 1L;

    private final String rotationId;

    /**
     * @param name the credential
     * @param rotationId the id of the rotation in progress
     * @param step the step it reached
     */
    public RotationInProgressException(String name, String rotationId, String step) {
        super("Credential '" + name + "' is being rotated by rotation " + rotationId + " (step " + step
                + "); not starting another");
        this.rotationId = rotationId;
    }

    /** The id of the rotation in progress. */
    public String rotationId() {
        return rotationId;
    }
}
