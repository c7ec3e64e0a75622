package dev.infrakit.core;

import java.time.Duration;
import java.util.Objects;

/**
 * The argument checks every Infrakit builder uses (and yours may): each returns the value when it
 * is valid and otherwise throws {@link IllegalArgumentException} (or {@link NullPointerException}
 * for null) whose message names the setting and the value given.
 */
public final class Arguments {
    private Arguments() {
    }

    /**
     * {@code value}, if positive.
     *
     * @throws IllegalArgumentException naming {@code what} when zero or negative
     */
    public static Duration positive(Duration value, String what) {
        Objects.requireNonNull(value, what);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(what + " must be positive, got " + value);
        }
        return value;
    }

    /**
     * {@code value}, if zero or positive.
     *
     * @throws IllegalArgumentException naming {@code what} when negative
     */
    public static Duration notNegative(Duration value, String what) {
        Objects.requireNonNull(value, what);
        if (value.isNegative()) {
            throw new IllegalArgumentException(what + " must not be negative, got " + value);
        }
        return value;
    }
}
