package dev.infrakit.backup;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One file of a backup: its name within the backup (e.g. {@code database.dump}), its size in bytes
 * and the SHA-256 of its content (lower-case hex), computed while it was written.
 */
public final class Artifact {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private final String name;
    private final long size;
    private final String sha256;

    /**
     * @param name a file name: letters, digits, {@code . _ -}, starting with a letter or digit
     * @param size its size in bytes
     * @param sha256 its SHA-256, 64 lower-case hex digits
     */
    public Artifact(String name, long size, String sha256) {
        this.name = requireName(name);
        if (size < 0) {
            throw new IllegalArgumentException("An artifact's size cannot be negative, got " + size);
        }
        if (sha256 == null || !SHA256.matcher(sha256).matches()) {
            throw new IllegalArgumentException("An artifact's sha256 must be 64 lower-case hex digits");
        }
        this.size = size;
        this.sha256 = sha256;
    }

    /** Checks an artifact name (a plain file name, never a path). */
    public static String requireName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("Invalid artifact name '" + name + "': use 1 to 128 letters, digits and "
                    + ". _ -, starting with a letter or digit");
        }
        return name;
    }

    /** The file name within the backup. */
    public String name() {
        return name;
    }

    /** Its size in bytes. */
    public long size() {
        return size;
    }

    /** Its SHA-256, lower-case hex. */
    public String sha256() {
        return sha256;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Artifact && ((Artifact) o).name.equals(name) && ((Artifact) o).size == size
                && ((Artifact) o).sha256.equals(sha256);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, size, sha256);
    }

    @Override
    public String toString() {
        return name + " (" + size + " bytes, sha256 " + sha256.substring(0, 12) + "…)";
    }
}
