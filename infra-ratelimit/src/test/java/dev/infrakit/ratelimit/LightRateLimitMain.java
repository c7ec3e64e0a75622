package dev.infrakit.ratelimit;

import dev.infrakit.core.Config;
import dev.infrakit.core.ManualClock;
import dev.infrakit.core.Providers;

import java.util.List;
import java.util.Map;

/**
 * Run by {@link LightRuntimeIT} in a JVM holding only infra-ratelimit's runtime jars: an in-memory
 * limiter admits and rejects, renders its headers and problem body, and the store providers are
 * discovered and the memory one created from config. Prints one line per step.
 */
public final class LightRateLimitMain {
    private LightRateLimitMain() {
    }

    public static void main(String[] args) throws Exception {
        ManualClock clock = ManualClock.create();
        try (RateLimiter limiter = RateLimiter.builder()
                .tier(RateLimitPolicy.parse("user", "3/1m"))
                .store(LocalRateLimitStore.builder().ticker(clock).build(), true)
                .build()) {
            StringBuilder admitted = new StringBuilder();
            for (int i = 0; i < 4; i++) {
                admitted.append(limiter.tryAcquire("user", "alice", 1) ? 'y' : 'n');
            }
            System.out.println("admitted: " + admitted);
            Decision rejected = limiter.decide("user", "alice", 1);
            System.out.println("headers: " + RateLimitHeaders.of(rejected, false));
            System.out.println("problem: " + RateLimitHeaders.problemJson(rejected));
            clock.advance(java.time.Duration.ofSeconds(20));
            System.out.println("after 20s: " + limiter.tryAcquire("user", "alice", 1));
        }

        System.out.println("stores: " + Providers.discover(RateLimitStoreProvider.class).names());
        try (RateLimitStore store = Providers.load(RateLimitStoreProvider.class,
                Config.of(Map.of("infrakit.ratelimit.store", "memory")))) {
            System.out.println("store from config: " + store.getClass().getSimpleName());
        }
        try (RateLimiter fromConfig = RateLimiter.fromConfig(Config.empty())) {
            System.out.println("from config: " + fromConfig.tiers() + " " + fromConfig.tryAcquire("anonymous", "10.0.0.1", 1));
        }

        for (String absent : List.of("com.zaxxer.hikari.HikariDataSource", "io.micrometer.core.instrument.MeterRegistry",
                "com.fasterxml.jackson.databind.ObjectMapper")) {
            try {
                Class.forName(absent);
                System.out.println("present: " + absent);
            } catch (ClassNotFoundException e) {
                System.out.println("absent: " + absent);
            }
        }
    }
}
