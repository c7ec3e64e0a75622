package dev.infrakit.spring.boot;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code infrakit.ratelimit.*}: the {@code RateLimiter} bean, built by {@code RateLimiter.fromConfig}. Set {@code tiers} (or {@code enabled=true} for the default tiers) to create it; values are checked by Infrakit, whose errors name the key.
 */
@ConfigurationProperties(prefix = "infrakit.ratelimit")
public class InfrakitRateLimitProperties {

    /** Whether to create the RateLimiter: true creates it with the default tiers when none are set (anonymous 20/15m, user 100/15m, admin 200/15m); false turns it off even when tiers are set. */
    private Boolean enabled;

    /** The limiter's name in metrics and logs. Default "default". */
    private String name;

    /** The tiers, by name, each with its limits under infrakit.ratelimit.tier.NAME. */
    private List<String> tiers = new ArrayList<>();

    /** The tier used when a request names none. Default the first tier. */
    private String defaultTier;

    /** Where budgets are kept: memory (default), postgres (with infrakit.ratelimit.postgres.* pool settings) or redis (with infrakit.ratelimit.redis.uri and .on-failure; needs infra-redis and Lettuce). */
    private String store;

    /** Each tier's limits, by tier name. */
    private Map<String, Tier> tier = new LinkedHashMap<>();

    /** Created by Spring. */
    public InfrakitRateLimitProperties() {
    }

    /** @return whether to create the RateLimiter: true creates it with the default tiers when none are set (anonymous 20/15m, user 100/15m, admin 200/15m); false turns it off even when tiers are set */
    public Boolean getEnabled() {
        return enabled;
    }

    /** @param enabled whether to create the RateLimiter: true creates it with the default tiers when none are set (anonymous 20/15m, user 100/15m, admin 200/15m); false turns it off even when tiers are set */
    public void setEnabled(Boolean enabled) {
        this.enabled = enabled;
    }

    /** @return the limiter's name in metrics and logs */
    public String getName() {
        return name;
    }

    /** @param name the limiter's name in metrics and logs */
    public void setName(String name) {
        this.name = name;
    }

    /** @return the tiers, by name, each with its limits under infrakit.ratelimit.tier.NAME */
    public List<String> getTiers() {
        return tiers;
    }

    /** @param tiers the tiers, by name, each with its limits under infrakit.ratelimit.tier.NAME */
    public void setTiers(List<String> tiers) {
        this.tiers = tiers;
    }

    /** @return the tier used when a request names none */
    public String getDefaultTier() {
        return defaultTier;
    }

    /** @param defaultTier the tier used when a request names none */
    public void setDefaultTier(String defaultTier) {
        this.defaultTier = defaultTier;
    }

    /** @return where budgets are kept: memory (default), postgres (with infrakit.ratelimit.postgres.* pool settings) or redis (with infrakit.ratelimit.redis.uri and .on-failure; needs infra-redis and Lettuce) */
    public String getStore() {
        return store;
    }

    /** @param store where budgets are kept: memory (default), postgres (with infrakit.ratelimit.postgres.* pool settings) or redis (with infrakit.ratelimit.redis.uri and .on-failure; needs infra-redis and Lettuce) */
    public void setStore(String store) {
        this.store = store;
    }

    /** @return each tier's limits, by tier name */
    public Map<String, Tier> getTier() {
        return tier;
    }

    /** @param tier each tier's limits, by tier name */
    public void setTier(Map<String, Tier> tier) {
        this.tier = tier;
    }

    /**
     * One tier's settings.
     */
    public static class Tier {

        /** The tier's limits, e.g. 100/15m, or several: 10/1s, 1000/1h. */
        private String limits;

        /** Slowing down before refusing. */
        private final SlowDown slowDown = new SlowDown();

        /** Created by Spring. */
        public Tier() {
        }

        /** @return the tier's limits, e.g */
        public String getLimits() {
            return limits;
        }

        /** @param limits the tier's limits, e.g */
        public void setLimits(String limits) {
            this.limits = limits;
        }

        /** @return the slowDown settings: slowing down before refusing */
        public SlowDown getSlowDown() {
            return slowDown;
        }

        /**
         * Slowing down before refusing.
         */
        public static class SlowDown {

            /** Requests in a window before each further one is delayed, e.g. 5. */
            private String after;

            /** Delay added per request past the threshold, e.g. 500ms. */
            private String step;

            /** Longest delay, e.g. 20s. */
            private String max;

            /** Created by Spring. */
            public SlowDown() {
            }

            /** @return requests in a window before each further one is delayed, e.g */
            public String getAfter() {
                return after;
            }

            /** @param after requests in a window before each further one is delayed, e.g */
            public void setAfter(String after) {
                this.after = after;
            }

            /** @return delay added per request past the threshold, e.g */
            public String getStep() {
                return step;
            }

            /** @param step delay added per request past the threshold, e.g */
            public void setStep(String step) {
                this.step = step;
            }

            /** @return longest delay, e.g */
            public String getMax() {
                return max;
            }

            /** @param max longest delay, e.g */
            public void setMax(String max) {
                this.max = max;
            }
        }
    }
}
