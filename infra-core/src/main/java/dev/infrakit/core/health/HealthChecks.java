package dev.infrakit.core.health;

import dev.infrakit.core.Arguments;

import java.time.Duration;
import java.util.Objects;

/** Argument checks shared by the health classes. */
final class HealthChecks {
    private HealthChecks() {
    }

    static String requireName(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isBlank() || name.length() > 200 || name.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("A health check name must be 1-200 printable characters, got '"
                    + name + "'");
        }
        return name;
    }

    static Duration requirePositive(String what, Duration value) {
        return Arguments.positive(value, what);
    }
}
