package dev.infrakit.credentials;

/** The credential, or the version asked for, does not exist or is deleted or destroyed. */
public class CredentialNotFoundException extends CredentialException {
    private static final long serialVersionUID = 1L;

    private final String name;

    /**
     * @param name the credential
     * @param message what is missing and why
     */
    public CredentialNotFoundException(String name, String message) {
        super(message);
        this.name = name;
    }

    /** The credential's name. */
    public String name() {
        return name;
    }
}
