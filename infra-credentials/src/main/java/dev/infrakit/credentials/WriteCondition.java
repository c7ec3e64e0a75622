package dev.infrakit.credentials;

/**
 * The check-and-set condition of a write: unconditional, create-only, or "only if the current
 * version is N". A write whose condition fails throws {@link VersionConflictException} and changes
 * nothing.
 */
public final class WriteCondition {
    private static final WriteCondition ANY = new WriteCondition(-1);
    private static final WriteCondition CREATE_ONLY = new WriteCondition(0);

    private final int expected;

    private WriteCondition(int expected) {
        this.expected = expected;
    }

    /** No condition: the write always adds a version. */
    public static WriteCondition any() {
        return ANY;
    }

    /** Only if the credential does not exist yet. */
    public static WriteCondition createOnly() {
        return CREATE_ONLY;
    }

    /**
     * Only if the credential's current version is {@code version}.
     *
     * @throws IllegalArgumentException if {@code version} is below 1
     */
    public static WriteCondition ifVersion(int version) {
        if (version < 1) {
            throw new IllegalArgumentException("ifVersion needs a version of 1 or more (use createOnly() for a new "
                    + "credential), got " + version);
        }
        return new WriteCondition(version);
    }

    /** True for {@link #any()}. */
    public boolean isUnconditional() {
        return expected < 0;
    }

    /** The current version required: 0 for create-only; meaningless for {@link #any()}. */
    public int expectedVersion() {
        return expected;
    }

    /**
     * Checks the condition against the current version (0 when the credential does not exist).
     *
     * @throws VersionConflictException if it does not hold
     */
    public void check(String name, int currentVersion) {
        if (expected >= 0 && expected != currentVersion) {
            throw new VersionConflictException(name, expected, currentVersion);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WriteCondition && ((WriteCondition) o).expected == expected;
    }

    @Override
    public int hashCode() {
        return expected;
    }

    @Override
    public String toString() {
        return expected < 0 ? "any" : expected == 0 ? "createOnly" : "ifVersion(" + expected + ")";
    }
}
