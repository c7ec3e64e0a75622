package dev.infrakit.examples;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenRenewalTest {

    private static void await(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + 5_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < end, what);
            Thread.sleep(5);
        }
    }

    @Test
    void eachAccountSignsInAgainAtFourFifthsOfItsTokensLifetime() throws Exception {
        assertEquals(Duration.ofMinutes(12), TokenRenewal.renewalDelay(Duration.ofMinutes(15)));
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        AtomicInteger logins = new AtomicInteger();
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        TokenRenewal renewal = new TokenRenewal(List.of(new TokenRenewal.Session("a0", Duration.ofMillis(100)),
                new TokenRenewal.Session("b0", Duration.ofHours(1))),
                account -> new TokenRenewal.Session((account == 0 ? "a" : "b") + logins.incrementAndGet(),
                        Duration.ofMillis(100)), scheduler, new PrintStream(progress, true, StandardCharsets.UTF_8));
        try {
            assertEquals("a0", renewal.token(0));
            await(() -> renewal.renewals() >= 3, "renewed every 80 ms");
            assertTrue(renewal.token(0).startsWith("a") && !renewal.token(0).equals("a0"), renewal.token(0));
            assertEquals("b0", renewal.token(1), "an hour-long token is not renewed yet");
            renewal.close();
            long after = renewal.renewals();
            Thread.sleep(300);
            assertTrue(renewal.renewals() <= after + 1, "closing stops the renewals");
        } finally {
            scheduler.shutdownNow();
        }
        assertEquals("", progress.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aFailedRenewalIsReportedWithoutSecretsAndTheOldTokenKept() throws Exception {
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        try (TokenRenewal renewal = new TokenRenewal(List.of(new TokenRenewal.Session("secret-token",
                Duration.ofMillis(50))), account -> {
                    throw new IllegalStateException("sign in as lt-1: HTTP 503");
                }, scheduler, new PrintStream(progress, true, StandardCharsets.UTF_8))) {
            await(() -> renewal.failures() >= 1, "a failure");
            assertEquals("secret-token", renewal.token(0));
            String printed = progress.toString(StandardCharsets.UTF_8);
            assertTrue(printed.contains("account 1 failed (sign in as lt-1: HTTP 503); retrying in 10 s"), printed);
            assertFalse(printed.contains("secret-token"));
        } finally {
            scheduler.shutdownNow();
        }
        assertThrows(IllegalArgumentException.class, () -> new TokenRenewal.Session("t", Duration.ZERO));
        assertFalse(new TokenRenewal.Session("hidden", Duration.ofMinutes(1)).toString().contains("hidden"));
    }
}
