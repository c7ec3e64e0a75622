package dev.infrakit.spring.boot;

import dev.infrakit.core.Config;

import java.util.function.Supplier;

/**
 * Builder calls made with configured values: an {@link IllegalArgumentException} a builder throws
 * becomes the {@code ConfigException} of the key the value came from, so a failed start names it.
 */
final class ConfigValues {

    private ConfigValues() {
    }

    /** {@code build}'s result; its {@code IllegalArgumentException} reported against {@code key} of {@code config}. */
    static <T> T named(Config config, String key, Supplier<T> build) {
        try {
            return build.get();
        } catch (IllegalArgumentException e) {
            throw config.invalid(key, e.getMessage());
        }
    }
}
