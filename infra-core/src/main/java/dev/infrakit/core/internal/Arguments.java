package dev.infrakit.core.internal;

import java.time.Duration;
import java.util.Objects;

/** Argument checks shared by builders across infra-core's packages; messages name the setting. */
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
}
