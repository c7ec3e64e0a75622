package dev.infrakit.spring.boot;

import dev.infrakit.core.Config;
import dev.infrakit.core.schedule.Schedule;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Builder calls made with configured values: an {@link IllegalArgumentException} a builder throws
 * becomes the {@code ConfigException} of the key the value came from, so a failed start names it.
 */
final class ConfigValues {

    private ConfigValues() {
    }

    /** {@code config}, with {@code value} for {@code key} when it is not set (a provider's default). */
    static Config withDefault(Config config, String key, String value) {
        return config.has(key) ? config : config.withOverrides(Map.of(key, value));
    }

    /** {@code build}'s result; its {@code IllegalArgumentException} reported against {@code key} of {@code config}. */
    static <T> T named(Config config, String key, Supplier<T> build) {
        try {
            return build.get();
        } catch (IllegalArgumentException e) {
            throw config.invalid(key, e.getMessage());
        }
    }

    /**
     * The schedule {@code config} sets: {@code every} (a period) or {@code cron} (a five-field
     * expression), not both; empty when neither is set.
     */
    static Optional<Schedule> schedule(Config config) {
        boolean every = config.has("every");
        boolean cron = config.has("cron");
        if (every && cron) {
            throw config.invalid("cron", "expected one of every or cron, not both");
        }
        if (every) {
            Duration period = config.getDuration("every");
            return Optional.of(named(config, "every", () -> Schedule.every(period)));
        }
        if (cron) {
            return Optional.of(named(config, "cron", () -> Schedule.cron(config.getString("cron"))));
        }
        return Optional.empty();
    }
}
