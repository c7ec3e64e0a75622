package dev.infrakit.backup.internal;

import dev.infrakit.core.Config;
import dev.infrakit.core.ConfigException;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * The checks the built-in backup providers share. Every value is checked when the source or
 * repository is created, so that a bad setting fails at start-up with a {@link ConfigException}
 * naming its key rather than at the first scheduled backup. The builders' own messages are not
 * passed on: they quote the value, and {@link Config#invalid} already shows it, masked when the key
 * is secret (the password).
 */
final class ProviderSettings {
    private ProviderSettings() {
    }

    /** Runs a builder setter, turning its refusal into a {@link ConfigException} about {@code key}. */
    static void set(Config c, String key, String expected, Runnable setter) {
        try {
            setter.run();
        } catch (IllegalArgumentException e) {
            throw c.invalid(key, expected);
        }
    }

    static Path path(Config c, String key) {
        String value = c.getString(key);
        if (value.isBlank()) {
            throw c.invalid(key, "expected a path");
        }
        try {
            return Path.of(value);
        } catch (InvalidPathException e) {
            throw c.invalid(key, "expected a path (" + e.getReason() + ")");
        }
    }

    static Path existingDirectory(Config c, String key, String what) {
        Path dir = path(c, key);
        if (!Files.isDirectory(dir)) {
            throw c.invalid(key, "expected an existing directory " + what);
        }
        return dir;
    }
}
