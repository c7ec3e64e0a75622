package dev.infrakit.ratelimit;

import dev.infrakit.core.ManualClock;
import dev.infrakit.ratelimit.contract.RateLimitStoreContract;

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
