package dev.infrakit.core.contract;

import dev.infrakit.core.Arguments;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The kit itself: it passes a builder that keeps the rule and fails one that does not. */
class BuilderContractTest {
    /** Refuses both settings given twice. */
    public static final class Strict {
        private String name;
        private Integer size;

        public Strict name(String name) {
            Arguments.setOnce(this.name, "name");
            this.name = name;
            return this;
        }

        public Strict size(int size) {
            Arguments.setOnce(this.size, "size");
            this.size = size;
            return this;
        }
    }

    /** Keeps the last size given. */
    public static final class Lenient {
        private String name;

        public Lenient name(String name) {
            Arguments.setOnce(this.name, "name");
            this.name = name;
            return this;
        }

        public Lenient size(int size) {
            return this;
        }
    }

    /** Refuses, but shows the value it held. */
    public static final class Telling {
        private String name;

        public Telling name(String name) {
            if (this.name != null) {
                throw new IllegalStateException("name was already set to " + this.name);
            }
            this.name = name;
            return this;
        }
    }

    @Test
    void passesABuilderThatRefusesEverySettingGivenTwice() {
        assertEquals(Set.of("name", "size"), BuilderContract.of(Strict::new).check());
    }

    @Test
    void failsABuilderThatTakesASettingTwice() {
        AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> BuilderContract.of(Lenient::new).check());
        assertTrue(e.getMessage().contains("Lenient.size"), e.getMessage());
    }

    @Test
    void failsABuilderWhoseRefusalShowsTheValue() {
        assertThrows(AssertionFailedError.class, () -> BuilderContract.of(Telling::new).check());
    }
}
