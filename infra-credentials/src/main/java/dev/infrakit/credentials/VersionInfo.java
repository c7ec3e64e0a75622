package dev.infrakit.credentials;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One version of a credential, without its value: when it was written, whether it is soft-deleted
 * (recoverable with {@link CredentialStore#undelete}) or destroyed (its value is gone for good).
 */
public final class VersionInfo {
    private final int version;
    private final Instant created;
    private final Instant deleted;
    private final boolean destroyed;

    /**
     * @param version the version number, from 1
     * @param created when it was written
     * @param deleted when it was soft-deleted, or {@code null}
     * @param destroyed whether its value was destroyed
     */
    public VersionInfo(int version, Instant created, Instant deleted, boolean destroyed) {
        this.version = version;
        this.created = Objects.requireNonNull(created, "created");
        this.deleted = deleted;
        this.destroyed = destroyed;
    }

    /** The version number, from 1. */
    public int version() {
        return version;
    }

    /** When it was written. */
    public Instant created() {
        return created;
    }

    /** When it was soft-deleted, if it is. */
    public Optional<Instant> deleted() {
        return Optional.ofNullable(deleted);
    }

    /** Whether its value was destroyed. */
    public boolean destroyed() {
        return destroyed;
    }

    /** Neither deleted nor destroyed: its value can be read. */
    public boolean readable() {
        return deleted == null && !destroyed;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof VersionInfo)) {
            return false;
        }
        VersionInfo v = (VersionInfo) o;
        return version == v.version && destroyed == v.destroyed && created.equals(v.created)
                && Objects.equals(deleted, v.deleted);
    }

    @Override
    public int hashCode() {
        return Objects.hash(version, created, deleted, destroyed);
    }

    @Override
    public String toString() {
        return "v" + version + (destroyed ? " (destroyed)" : deleted != null ? " (deleted " + deleted + ")" : "")
                + " created " + created;
    }
}
