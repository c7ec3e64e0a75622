package dev.infrakit.test.ratelimit;

import dev.infrakit.core.ManualClock;
import dev.infrakit.ratelimit.LocalRateLimitStore;
import dev.infrakit.ratelimit.RateLimitStore;
import dev.infrakit.test.contract.RateLimitStoreContract;

import java.time.Duration;

/** The in-memory store against the store contract. */
class LocalRateLimitStoreContractTest extends RateLimitStoreContract {
    private final ManualClock time = ManualClock.create();

    @Override
    protected RateLimitStore createStore() {
        return LocalRateLimitStore.builder().ticker(time).sweepExecutor(Runnable::run).build();
    }

    @Override
    protected void advance(Duration amount) {
        time.advance(amount);
    }
}
