package dev.infrakit.credentials;

import java.time.Instant;
import java.util.Objects;

/**
 * One version of a credential as read from a store: its name, version number, when it was
 * written, and its {@link SecretValue}. {@code toString()} masks the value.
 */
public final class Secret {
    private final String name;
    private final int version;
    private final Instant created;
    private final SecretValue value;

    /**
     * @param name the credential's name
     * @param version the version number, from 1
     * @param created when this version was written
     * @param value its value
     */
    public Secret(String name, int version, Instant created, SecretValue value) {
        this.name = Objects.requireNonNull(name, "name");
        this.version = version;
        this.created = Objects.requireNonNull(created, "created");
        this.value = Objects.requireNonNull(value, "value");
    }

    /** The credential's name. */
    public String name() {
        return name;
    }

    /** The version number, from 1. */
    public int version() {
        return version;
    }

    /** When this version was written. */
    public Instant created() {
        return created;
    }

    /** The value. */
    public SecretValue value() {
        return value;
    }

    /** Clears the value ({@link SecretValue#clear()}). */
    public void clear() {
        value.clear();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Secret)) {
            return false;
        }
        Secret s = (Secret) o;
        return version == s.version && name.equals(s.name) && created.equals(s.created) && value.equals(s.value);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, version);
    }

    @Override
    public String toString() {
        return "Secret[" + name + " v" + version + ", " + value + "]";
    }
}
