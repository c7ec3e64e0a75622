package dev.infrakit.core;

/**
 * A configuration value is missing, malformed or out of range. The message names the full key,
 * where the value came from, the value itself (masked when the key looks secret) and what was
 * expected.
 */
public class ConfigException extends InfrakitException {
    private static final long serialVersionUID = 1L;

    private final String key;

    /**
     * @param key the full key, e.g. {@code infrakit.audit.max-size}
     * @param message the complete message
     */
    public ConfigException(String key, String message) {
        super(message);
        this.key = key;
    }

    /**
     * @param key the full key, e.g. {@code infrakit.audit.max-size}
     * @param message the complete message
     * @param cause the underlying failure, e.g. an unreadable file
     */
    public ConfigException(String key, String message, Throwable cause) {
        super(message, cause);
        this.key = key;
    }

    /** The full key the problem is about, or {@code null} when it concerns a whole source (a file). */
    public String key() {
        return key;
    }
}
