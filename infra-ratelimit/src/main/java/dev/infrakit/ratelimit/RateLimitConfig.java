package dev.infrakit.ratelimit;

import dev.infrakit.core.Config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Reads tiers from configuration for {@link RateLimiter#fromConfig(Config)}. */
final class RateLimitConfig {
    static final List<RateLimitPolicy> DEFAULT_TIERS = List.of(
            RateLimitPolicy.parse("anonymous", "20/15m"),
            RateLimitPolicy.parse("user", "100/15m"),
            RateLimitPolicy.parse("admin", "200/15m"));

    private RateLimitConfig() {
    }

    /** The tiers under {@code section} ({@code infrakit.ratelimit}), or the defaults when none are named. */
    static List<RateLimitPolicy> tiers(Config section) {
        if (!section.has("tiers")) {
            return DEFAULT_TIERS;
        }
        List<RateLimitPolicy> policies = new ArrayList<>();
        List<String> names = section.getList("tiers");
        if (names.isEmpty()) {
            throw section.invalid("tiers", "expected at least one tier name");
        }
        for (String name : names) {
            Config tier = section.section("tier." + name);
            RateLimitPolicy policy;
            try {
                policy = RateLimitPolicy.parse(name, tier.getString("limits"));
            } catch (IllegalArgumentException e) {
                throw tier.invalid("limits", e.getMessage().replaceFirst("^Not a limit: '[^']*'; ", ""));
            }
            if (tier.has("slow-down.after")) {
                long after = tier.getLong("slow-down.after");
                Duration step = tier.getDuration("slow-down.step");
                Duration max = tier.getDuration("slow-down.max");
                try {
                    policy = policy.withSlowDown(SlowDown.after(after, step, max));
                } catch (IllegalArgumentException e) {
                    throw tier.invalid("slow-down.after", "expected a valid slow-down: " + e.getMessage());
                }
            }
            policies.add(policy);
        }
        return policies;
    }
}
