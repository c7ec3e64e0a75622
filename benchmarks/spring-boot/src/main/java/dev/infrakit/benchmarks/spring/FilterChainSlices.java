package dev.infrakit.benchmarks.spring;

import dev.infrakit.core.http.ClientAddress;
import dev.infrakit.ratelimit.Limit;
import dev.infrakit.ratelimit.RateLimitKey;
import dev.infrakit.ratelimit.RateLimitPolicy;
import dev.infrakit.ratelimit.RateLimiter;
import dev.infrakit.spring.boot.InfrakitRateLimitAutoConfiguration;
import dev.infrakit.spring.boot.web.InfrakitWebAutoConfiguration;
import dev.infrakit.web.BodyLimit;
import dev.infrakit.web.servlet.BodyLimitServletFilter;
import dev.infrakit.web.servlet.RateLimitServletFilter;
import dev.infrakit.web.servlet.SecurityHeadersServletFilter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import java.security.Principal;
import java.time.Duration;
import java.util.EnumSet;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.TestContextManager;
import org.springframework.test.web.servlet.MockMvc;

/**
 * The three Spring MVC test slices ({@link WebMvcTest}, {@link ItemsController} alone) whose
 * {@link MockMvc} the per-request benchmark drives, each bootstrapped by Spring's
 * {@link TestContextManager} as a JUnit test class would be:
 * <ul>
 *   <li>{@link MvcOnly}: Spring MVC, no Infrakit (the starter's auto-configurations excluded);</li>
 *   <li>{@link HandWired}: infra-web's filters registered by hand, as an application without the
 *   starter would: security headers, body limit, the per-address rate-limit stage and a
 *   per-principal stage, in the starter's orders;</li>
 *   <li>{@link Starter}: the same four filters as infra-spring-boot registers them from
 *   properties (its auto-configurations join {@code @AutoConfigureMockMvc}, so a slice gets them
 *   as it gets Spring Security's filter).</li>
 * </ul>
 * Both rate limiters keep one bucket per client address in one tier of {@value #ADMIT} requests a
 * second (no run exhausts it); no request carries a principal, so the per-principal stage passes
 * each request on in both. MockMvc prints nothing ({@code spring.test.mockmvc.print=none}).
 */
public final class FilterChainSlices {
    /** The tier's requests per second. */
    public static final long ADMIT = 1_000_000_000L;
    /** The only tier. */
    public static final String TIER = "bench";
    /** The body limit of both chains. */
    public static final int BODY_LIMIT = 64 * 1024;

    private FilterChainSlices() {
    }

    /** Spring MVC alone. */
    @WebMvcTest(controllers = ItemsController.class, properties = "spring.test.mockmvc.print=none",
            excludeAutoConfiguration = {InfrakitWebAutoConfiguration.class, InfrakitRateLimitAutoConfiguration.class})
    public static final class MvcOnly {
        private MvcOnly() {
        }
    }

    /** infra-web's filters, registered by hand. */
    @WebMvcTest(controllers = ItemsController.class, properties = "spring.test.mockmvc.print=none",
            excludeAutoConfiguration = {InfrakitWebAutoConfiguration.class, InfrakitRateLimitAutoConfiguration.class})
    @Import(HandWiredFilters.class)
    public static final class HandWired {
        private HandWired() {
        }
    }

    /** infra-spring-boot's filters, from properties (the limiter from its auto-configuration, imported). */
    @ImportAutoConfiguration(InfrakitRateLimitAutoConfiguration.class)
    @WebMvcTest(controllers = ItemsController.class, properties = {
            "spring.test.mockmvc.print=none",
            "infrakit.ratelimit.tiers=" + TIER,
            "infrakit.ratelimit.tier." + TIER + ".limits=" + ADMIT + "/1s",
            "infrakit.web.body-limit.max-size=64KB",
            "infrakit.web.address-rate-limit.tier=" + TIER,
            "infrakit.web.principal-rate-limit.default-tier=" + TIER,
            "infrakit.web.principal-rate-limit.role-tiers.admin=" + TIER})
    public static final class Starter {
        private Starter() {
        }
    }

    /**
     * The {@link MockMvc} of {@code slice}'s application context (created, or taken from Spring's
     * test context cache).
     *
     * @param slice one of this class's slices
     * @return its MockMvc, with the context's filters
     */
    public static MockMvc mockMvc(Class<?> slice) {
        return new TestContextManager(slice).getTestContext().getApplicationContext().getBean(MockMvc.class);
    }

    /**
     * What an application without the starter writes: infra-web's four filters as beans. Imported
     * by {@link HandWired} only (not a {@code @Configuration}, so the application's component scan
     * leaves it out).
     */
    public static class HandWiredFilters {
        /** Created by Spring. */
        public HandWiredFilters() {
        }

        /**
         * The limiter both stages share.
         *
         * @return one tier of {@value #ADMIT} a second
         */
        @Bean(destroyMethod = "close")
        public RateLimiter benchRateLimiter() {
            return RateLimiter.of(RateLimitPolicy.of(TIER, Limit.of(ADMIT, Duration.ofSeconds(1))));
        }

        /**
         * The security headers filter.
         *
         * @return its registration
         */
        @Bean
        public FilterRegistrationBean<SecurityHeadersServletFilter> benchSecurityHeaders() {
            return registration(SecurityHeadersServletFilter.defaults(), InfrakitWebAutoConfiguration.SECURITY_HEADERS_ORDER,
                    SecurityHeadersServletFilter.DISPATCHER_TYPES);
        }

        /**
         * The body limit filter.
         *
         * @return its registration
         */
        @Bean
        public FilterRegistrationBean<BodyLimitServletFilter> benchBodyLimit() {
            return registration(BodyLimitServletFilter.of(BodyLimit.of(BODY_LIMIT)), InfrakitWebAutoConfiguration.BODY_LIMIT_ORDER,
                    BodyLimitServletFilter.DISPATCHER_TYPES);
        }

        /**
         * The per-address stage.
         *
         * @param limiter the shared limiter
         * @return its registration
         */
        @Bean
        public FilterRegistrationBean<RateLimitServletFilter> benchAddressRateLimit(RateLimiter limiter) {
            return registration(RateLimitServletFilter.builder(limiter)
                    .keyResolver(RateLimitServletFilter.KeyResolver.clientAddress(TIER, ClientAddress.resolver().build()))
                    .build(), InfrakitWebAutoConfiguration.ADDRESS_RATE_LIMIT_ORDER, RateLimitServletFilter.DISPATCHER_TYPES);
        }

        /**
         * The per-principal stage: the container's principal, in the one tier.
         *
         * @param limiter the shared limiter
         * @return its registration
         */
        @Bean
        public FilterRegistrationBean<RateLimitServletFilter> benchPrincipalRateLimit(RateLimiter limiter) {
            return registration(RateLimitServletFilter.builder(limiter).keyResolver(request -> {
                Principal principal = request.getUserPrincipal();
                return principal == null ? null : new RateLimitKey(TIER, principal.getName());
            }).build(), InfrakitWebAutoConfiguration.PRINCIPAL_RATE_LIMIT_ORDER, RateLimitServletFilter.DISPATCHER_TYPES);
        }

        private static <F extends Filter> FilterRegistrationBean<F> registration(F filter, int order,
                EnumSet<DispatcherType> dispatch) {
            FilterRegistrationBean<F> registration = new FilterRegistrationBean<>(filter);
            registration.setOrder(order);
            registration.setAsyncSupported(true);
            registration.setDispatcherTypes(dispatch);
            registration.addUrlPatterns("/*");
            return registration;
        }
    }
}
