package dev.infrakit.spring.boot;

import dev.infrakit.ratelimit.RateLimiter;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * A {@link RateLimiter} built by {@link RateLimiter#fromConfig} from {@code infrakit.ratelimit.*},
 * when infra-ratelimit is on the class path and {@code infrakit.ratelimit.tiers} (or
 * {@code .store}, or {@code .enabled=true}) is set. An application's own {@code RateLimiter} bean
 * replaces it; its store's health check goes to the {@code HealthRegistry}. Closed with the context.
 */
@AutoConfiguration
@ConditionalOnClass(RateLimiter.class)
@ConditionalOnInfrakit(prefix = "infrakit.ratelimit", keys = {"tiers", "store"})
@EnableConfigurationProperties(InfrakitRateLimitProperties.class)
public class InfrakitRateLimitAutoConfiguration {

    /** Created by Spring. */
    public InfrakitRateLimitAutoConfiguration() {
    }

    /**
     * The limiter.
     *
     * @param environment read as Infrakit configuration
     * @return the limiter of {@code infrakit.ratelimit.*}
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public RateLimiter infrakitRateLimiter(Environment environment) {
        return RateLimiter.fromConfig(EnvironmentConfig.of(environment));
    }

    /**
     * The health check of the limiter's store (the PostgreSQL store has one).
     *
     * @param limiter the limiter in the context
     * @return its store's checks
     */
    @Bean
    @ConditionalOnMissingBean(name = "infrakitRateLimitHealthChecks")
    public HealthCheckSource infrakitRateLimitHealthChecks(ObjectProvider<RateLimiter> limiter) {
        return () -> limiter.orderedStream().flatMap(l -> l.store().healthCheck().stream()).toList();
    }
}
