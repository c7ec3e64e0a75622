package dev.infrakit.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ArgumentsTest {

    @Test
    void setOnceAcceptsAnUnsetSettingAndRefusesASecondOneWithoutShowingTheValue() {
        Arguments.setOnce(null, "password");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Arguments.setOnce("hunter2-secret", "password"));
        assertEquals("password was already set", e.getMessage());
        assertFalse(e.getMessage().contains("hunter2"));
    }

    @Test
    void durationsAreCheckedAndNamed() {
        Duration one = Duration.ofSeconds(1);
        assertSame(one, Arguments.positive(one, "timeout"));
        assertSame(Duration.ZERO, Arguments.notNegative(Duration.ZERO, "grace"));
        assertEquals("timeout must be positive, got PT0S",
                assertThrows(IllegalArgumentException.class, () -> Arguments.positive(Duration.ZERO, "timeout")).getMessage());
        assertEquals("grace must not be negative, got PT-1S",
                assertThrows(IllegalArgumentException.class, () -> Arguments.notNegative(Duration.ofSeconds(-1), "grace")).getMessage());
        assertThrows(NullPointerException.class, () -> Arguments.positive(null, "timeout"));
    }
}
