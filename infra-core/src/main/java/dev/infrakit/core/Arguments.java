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

    /**
     * Refuses a builder setting given a second time, as every Infrakit builder does: a setting
     * given twice is almost always a wiring mistake (two configuration sources, a copied line), and
     * silently keeping the last one hides it. Builders keep unset settings as {@code null} and
     * apply defaults in {@code build()}.
     *
     * @param current what the builder holds for the setting, {@code null} while unset
     * @param name the setting's name, for the message (the value is never shown: it may be secret)
     * @throws IllegalStateException naming the setting when {@code current} is not {@code null}
     */
    public static void setOnce(Object current, String name) {
        if (current != null) {
            throw new IllegalStateException(name + " was already set");
        }
    }

    /**
     * The same check for builders that keep their defaults in their fields: {@code given} holds the
     * names of the settings given so far.
     *
     * @param given the builder's record of the settings given, to which {@code name} is added
     * @param name the setting's name, for the message
     * @throws IllegalStateException naming the setting when it was given before
     */
    public static void markSet(java.util.Set<String> given, String name) {
        if (!given.add(name)) {
            throw new IllegalStateException(name + " was already set");
        }
    }
}
