package dev.infrakit.ratelimit;

import dev.infrakit.core.fixtures.BuilderContract;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every setter of every builder in infra-ratelimit refuses a second value. */
class BuilderSettingsTest {

    @Test
    void everyBuilderRefusesASettingGivenTwice() {
        assertEquals(Set.of("ticker", "maxKeys", "forgetAfter", "sweepExecutor"),
                BuilderContract.of(LocalRateLimitStore::builder).check());
        assertEquals(Set.of("failurePolicy", "fallbackFraction", "statementTimeout", "retryInterval", "forgetAfter",
                        "sweep", "batching", "closeOnClose", "ticker"),
                BuilderContract.of(() -> PostgresRateLimitStore.builder(new org.postgresql.ds.PGSimpleDataSource()))
                        .check());
        assertEquals(Set.of("name", "defaultTier", "store", "sleeper"),
                BuilderContract.of(RateLimiter::builder).adders("tier").check());
        assertEquals(Set.of("decisions", "keys", "storeDecisions", "storeStatements", "storeOverflow"),
                BuilderContract.of(RateLimitMetricNames::custom).check());
    }

    @Test
    void theTwoStoreSettersAreOneSetting() {
        RateLimiter.Builder builder = RateLimiter.builder().store(LocalRateLimitStore.create());
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> builder.store(LocalRateLimitStore.create(), true));
        assertEquals("store was already set", e.getMessage());
    }

    @Test
    void unsetSettingsTakeTheirDefaults() {
        assertEquals(RateLimitMetricNames.DEFAULT, RateLimitMetricNames.custom().build());
        assertEquals("app.limits", RateLimitMetricNames.custom().decisions("app.limits").build().decisions());
        try (RateLimiter limiter = RateLimiter.builder().tier(RateLimitPolicy.parse("user", "1/1s")).build()) {
            assertEquals("default", limiter.name());
            assertEquals("memory", limiter.store().name());
        }
    }
}
