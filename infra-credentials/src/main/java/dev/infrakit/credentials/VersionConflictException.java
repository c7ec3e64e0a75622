package dev.infrakit.credentials;

/**
 * A check-and-set write lost: the credential's current version was not the one the writer
 * expected (or it existed when the write was create-only). Read again and retry.
 */
public class VersionConflictException extends CredentialException {
    private static final long serialVersionUID = 1L;

    private final String name;
    private final int expected;
    private final int actual;

    /**
     * @param name the credential
     * @param expected the version the writer expected (0: that it did not exist)
     * @param actual its current version (0: it does not exist)
     */
    public VersionConflictException(String name, int expected, int actual) {
        super("Check-and-set failed for credential '" + name + "': expected "
                + (expected == 0 ? "it not to exist" : "version " + expected) + ", but "
                + (actual == 0 ? "it does not exist" : "its current version is " + actual));
        this.name = name;
        this.expected = expected;
        this.actual = actual;
    }

    /** The credential's name. */
    public String name() {
        return name;
    }

    /** The version the writer expected; 0 when it expected the credential not to exist. */
    public int expected() {
        return expected;
    }

    /** The current version found; 0 when the credential does not exist. */
    public int actual() {
        return actual;
    }
}
