package dev.infrakit.credentials;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a store knows about a credential besides its values: its current version, when it was
 * created and last written, how many versions it keeps, custom metadata and the versions it holds.
 */
public final class CredentialMetadata {
    private final String name;
    private final int currentVersion;
    private final Instant created;
    private final Instant updated;
    private final int maxVersions;
    private final Map<String, String> custom;
    private final List<VersionInfo> versions;

    /**
     * @param name the credential's name
     * @param currentVersion its newest version number
     * @param created when its first version was written
     * @param updated when it was last written (a value or its metadata)
     * @param maxVersions versions kept for it (0: the store's default)
     * @param custom custom metadata (not secret; shown in listings)
     * @param versions the versions held, oldest first
     */
    public CredentialMetadata(String name, int currentVersion, Instant created, Instant updated, int maxVersions,
            Map<String, String> custom, List<VersionInfo> versions) {
        this.name = Objects.requireNonNull(name, "name");
        this.currentVersion = currentVersion;
        this.created = Objects.requireNonNull(created, "created");
        this.updated = Objects.requireNonNull(updated, "updated");
        this.maxVersions = maxVersions;
        this.custom = Map.copyOf(custom);
        this.versions = List.copyOf(versions);
    }

    /** The credential's name. */
    public String name() {
        return name;
    }

    /** Its newest version number (which may be deleted or destroyed). */
    public int currentVersion() {
        return currentVersion;
    }

    /** When its first version was written. */
    public Instant created() {
        return created;
    }

    /** When it was last written. */
    public Instant updated() {
        return updated;
    }

    /** Versions kept for this credential; 0 means the store's default. */
    public int maxVersions() {
        return maxVersions;
    }

    /** Custom metadata. */
    public Map<String, String> custom() {
        return custom;
    }

    /** The versions held, oldest first. */
    public List<VersionInfo> versions() {
        return versions;
    }

    /** One version's information. */
    public Optional<VersionInfo> version(int version) {
        return versions.stream().filter(v -> v.version() == version).findFirst();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof CredentialMetadata)) {
            return false;
        }
        CredentialMetadata m = (CredentialMetadata) o;
        return currentVersion == m.currentVersion && maxVersions == m.maxVersions && name.equals(m.name)
                && created.equals(m.created) && updated.equals(m.updated) && custom.equals(m.custom)
                && versions.equals(m.versions);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, currentVersion, updated);
    }

    @Override
    public String toString() {
        return "CredentialMetadata[" + name + ", current v" + currentVersion + ", versions " + versions + ", updated "
                + updated + (custom.isEmpty() ? "" : ", custom " + custom) + "]";
    }
}
