package dev.infrakit.examples;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code serve --read-timeout}: 10s by default, 1s to 10m, anything else a usage error naming the flag. */
class ServeReadTimeoutTest {
    private static DemoService.Settings settings(String... flags) {
        return ServeCommand.settings(List.of(flags), Map.of());
    }

    @Test
    void theReadTimeoutIsTenSecondsUnlessGiven() {
        assertEquals(Duration.ofSeconds(10), settings().readTimeout);
        assertEquals(Duration.ofSeconds(3), settings("--read-timeout", "3s").readTimeout);
        assertEquals(Duration.ofMinutes(10), settings("--read-timeout", "10m").readTimeout);
    }

    @Test
    void aReadTimeoutOutsideOneSecondToTenMinutesIsAUsageError() {
        for (String value : List.of("0s", "999ms", "11m", "-5s", "soon")) {
            Args.UsageException e = assertThrows(Args.UsageException.class, () -> settings("--read-timeout", value), value);
            assertTrue(e.getMessage().startsWith("--read-timeout is a duration"), e.getMessage());
        }
    }
}
