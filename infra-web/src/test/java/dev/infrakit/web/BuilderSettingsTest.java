package dev.infrakit.web;

import dev.infrakit.core.fixtures.BuilderContract;
import dev.infrakit.ratelimit.RateLimitPolicy;
import dev.infrakit.ratelimit.RateLimiter;
import dev.infrakit.web.jdk.RateLimitFilter;
import dev.infrakit.web.servlet.ProblemResponses;
import dev.infrakit.web.servlet.RateLimitServletFilter;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Every setter of every builder in infra-web refuses a second value; exempt paths are checked once, in the gate. */
class BuilderSettingsTest {
    private static final RateLimiter LIMITER = RateLimiter.of(RateLimitPolicy.parse("user", "1/1s"));

    @Test
    void everyBuilderRefusesASettingGivenTwice() {
        assertEquals(Set.of("legacyHeaders"),
                BuilderContract.of(() -> RateLimitGate.builder(LIMITER)).adders("exemptPaths").check());
        assertEquals(Set.of("keyResolver", "legacyHeaders", "delayScheduler", "resumeExecutor"),
                BuilderContract.of(() -> RateLimitFilter.builder(LIMITER)).adders("exemptPaths").check());
        assertEquals(Set.of("keyResolver", "legacyHeaders", "problems", "delayScheduler"),
                BuilderContract.of(() -> RateLimitServletFilter.builder(LIMITER)).adders("exemptPaths")
                        .value(ProblemResponses.class, ProblemResponses.defaults()).check());
    }

    @Test
    void bothRateLimitFiltersRefuseAnExemptPathWithoutALeadingSlashAlike() {
        IllegalArgumentException jdk = assertThrows(IllegalArgumentException.class,
                () -> RateLimitFilter.builder(LIMITER).exemptPaths("health"));
        IllegalArgumentException servlet = assertThrows(IllegalArgumentException.class,
                () -> RateLimitServletFilter.builder(LIMITER).exemptPaths("health"));
        assertEquals("An exempt path starts with '/', got 'health'", jdk.getMessage());
        assertEquals(jdk.getMessage(), servlet.getMessage());
    }
}
