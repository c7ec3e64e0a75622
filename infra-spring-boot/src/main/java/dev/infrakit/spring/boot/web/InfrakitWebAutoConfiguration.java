package dev.infrakit.spring.boot.web;

import dev.infrakit.core.http.ClientAddress;
import dev.infrakit.ratelimit.RateLimiter;
import dev.infrakit.web.BodyLimit;
import dev.infrakit.web.servlet.BodyLimitServletFilter;
import dev.infrakit.web.servlet.RateLimitServletFilter;
import dev.infrakit.web.servlet.SecurityHeadersServletFilter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * infra-web's servlet filters, registered around Spring Security's filter chain (which Boot
 * registers at {@link #SECURITY_FILTER_ORDER}):
 * <ol>
 *   <li>{@value #SECURITY_HEADERS} ({@link #SECURITY_HEADERS_ORDER}): the security headers, for
 *   {@code REQUEST} and {@code ERROR} dispatches so the error pages carry them too;</li>
 *   <li>{@value #BODY_LIMIT} ({@link #BODY_LIMIT_ORDER}): the body limit
 *   ({@code infrakit.web.body-limit.max-size});</li>
 *   <li>{@value #ADDRESS_RATE_LIMIT} ({@link #ADDRESS_RATE_LIMIT_ORDER}): the cheap first stage,
 *   per client address, before any credential is checked;</li>
 *   <li>Spring Security;</li>
 *   <li>{@value #PRINCIPAL_RATE_LIMIT} ({@link #PRINCIPAL_RATE_LIMIT_ORDER}): the second stage,
 *   per authenticated principal and role tier ({@link PrincipalKeyResolver}).</li>
 * </ol>
 * Every registration is async-supported (a slow-down delay resumes the request on an async
 * dispatch) and mapped for the dispatcher types its filter documents; each is a bean of the name
 * above, replaced by an application bean of that name, and switched off with
 * {@code infrakit.web.<filter>.enabled=false}. The two rate-limit stages need a
 * {@link RateLimiter} bean and share the {@link ClientAddress.Resolver} bean
 * ({@code infrakit.web.trusted-proxies}). Created in a servlet web application with infra-web on
 * the class path.
 */
@AutoConfiguration(afterName = "dev.infrakit.spring.boot.InfrakitRateLimitAutoConfiguration")
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({SecurityHeadersServletFilter.class, FilterRegistrationBean.class})
@EnableConfigurationProperties(InfrakitWebProperties.class)
public final class InfrakitWebAutoConfiguration {
    /**
     * The order of Spring Security's filter chain in Boot
     * ({@code SecurityFilterProperties.DEFAULT_FILTER_ORDER}: {@code REQUEST_WRAPPER_FILTER_MAX_ORDER - 100}).
     */
    public static final int SECURITY_FILTER_ORDER = -100;
    /** The security headers filter's order: first of Infrakit's. */
    public static final int SECURITY_HEADERS_ORDER = SECURITY_FILTER_ORDER - 30;
    /** The body limit filter's order. */
    public static final int BODY_LIMIT_ORDER = SECURITY_FILTER_ORDER - 20;
    /** The per-address rate-limit stage's order: just before Spring Security. */
    public static final int ADDRESS_RATE_LIMIT_ORDER = SECURITY_FILTER_ORDER - 10;
    /** The per-principal rate-limit stage's order: just after Spring Security. */
    public static final int PRINCIPAL_RATE_LIMIT_ORDER = SECURITY_FILTER_ORDER + 10;
    /** The security headers registration's bean name. */
    public static final String SECURITY_HEADERS = "infrakitSecurityHeadersFilter";
    /** The body limit registration's bean name. */
    public static final String BODY_LIMIT = "infrakitBodyLimitFilter";
    /** The per-address rate-limit registration's bean name. */
    public static final String ADDRESS_RATE_LIMIT = "infrakitAddressRateLimitFilter";
    /** The per-principal rate-limit registration's bean name. */
    public static final String PRINCIPAL_RATE_LIMIT = "infrakitPrincipalRateLimitFilter";

    /** Created by Spring. */
    public InfrakitWebAutoConfiguration() {
    }

    /**
     * How client addresses are found, shared by both rate-limit stages and the API-key filter.
     *
     * @param properties {@code infrakit.web.trusted-proxies}
     * @return the resolver
     */
    @Bean
    @ConditionalOnMissingBean
    public ClientAddress.Resolver infrakitClientAddressResolver(InfrakitWebProperties properties) {
        return ClientAddress.resolver().trustedProxies(properties.getTrustedProxies()).build();
    }

    /**
     * The security headers filter.
     *
     * @return its registration
     */
    @Bean(SECURITY_HEADERS)
    @ConditionalOnMissingBean(name = SECURITY_HEADERS)
    @ConditionalOnBooleanProperty(name = "infrakit.web.security-headers.enabled", matchIfMissing = true)
    public FilterRegistrationBean<SecurityHeadersServletFilter> infrakitSecurityHeadersFilter() {
        return registration(SecurityHeadersServletFilter.defaults(), SECURITY_HEADERS_ORDER,
                SecurityHeadersServletFilter.DISPATCHER_TYPES, List.of("/*"));
    }

    /**
     * The body limit filter.
     *
     * @param properties {@code infrakit.web.body-limit.max-size}
     * @return its registration
     */
    @Bean(BODY_LIMIT)
    @ConditionalOnMissingBean(name = BODY_LIMIT)
    @ConditionalOnBooleanProperty(name = "infrakit.web.body-limit.enabled", matchIfMissing = true)
    public FilterRegistrationBean<BodyLimitServletFilter> infrakitBodyLimitFilter(InfrakitWebProperties properties) {
        return registration(BodyLimitServletFilter.of(BodyLimit.of(properties.getBodyLimit().getMaxSize().toBytes())),
                BODY_LIMIT_ORDER, BodyLimitServletFilter.DISPATCHER_TYPES, List.of("/*"));
    }

    static <F extends Filter> FilterRegistrationBean<F> registration(F filter, int order, EnumSet<DispatcherType> dispatch,
            List<String> urlPatterns) {
        FilterRegistrationBean<F> registration = new FilterRegistrationBean<>(filter);
        registration.setOrder(order);
        registration.setAsyncSupported(true);
        registration.setDispatcherTypes(dispatch);
        registration.setUrlPatterns(urlPatterns);
        return registration;
    }

    /** The two rate-limit stages, over the application's {@link RateLimiter}. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(RateLimiter.class)
    @ConditionalOnBean(RateLimiter.class)
    static class RateLimitStages {

        @Bean(ADDRESS_RATE_LIMIT)
        @ConditionalOnMissingBean(name = ADDRESS_RATE_LIMIT)
        @ConditionalOnBooleanProperty(name = "infrakit.web.address-rate-limit.enabled", matchIfMissing = true)
        FilterRegistrationBean<RateLimitServletFilter> infrakitAddressRateLimitFilter(RateLimiter limiter,
                ClientAddress.Resolver clients, InfrakitWebProperties properties) {
            InfrakitWebProperties.AddressRateLimit stage = properties.getAddressRateLimit();
            String tier = stage.getTier() != null ? stage.getTier() : limiter.defaultTier();
            requireTiers(limiter, Set.of(tier), "infrakit.web.address-rate-limit.tier");
            RateLimitServletFilter filter = RateLimitServletFilter.builder(limiter)
                    .keyResolver(RateLimitServletFilter.KeyResolver.clientAddress(tier, clients))
                    .exemptPaths(stage.getExemptPaths().toArray(String[]::new)).build();
            return registration(filter, ADDRESS_RATE_LIMIT_ORDER, RateLimitServletFilter.DISPATCHER_TYPES,
                    stage.getUrlPatterns());
        }

        @Bean(PRINCIPAL_RATE_LIMIT)
        @ConditionalOnMissingBean(name = PRINCIPAL_RATE_LIMIT)
        @ConditionalOnBooleanProperty(name = "infrakit.web.principal-rate-limit.enabled", matchIfMissing = true)
        FilterRegistrationBean<RateLimitServletFilter> infrakitPrincipalRateLimitFilter(RateLimiter limiter,
                InfrakitWebProperties properties) {
            InfrakitWebProperties.PrincipalRateLimit stage = properties.getPrincipalRateLimit();
            PrincipalKeyResolver resolver = PrincipalKeyResolver.of(stage.getRoleTiers(), stage.getDefaultTier());
            requireTiers(limiter, resolver.tiers(), "infrakit.web.principal-rate-limit (role-tiers, default-tier)");
            RateLimitServletFilter filter = RateLimitServletFilter.builder(limiter).keyResolver(resolver)
                    .exemptPaths(stage.getExemptPaths().toArray(String[]::new)).build();
            return registration(filter, PRINCIPAL_RATE_LIMIT_ORDER, RateLimitServletFilter.DISPATCHER_TYPES,
                    stage.getUrlPatterns());
        }

        /** Refuses at start-up a tier the limiter does not have, naming the setting. */
        static void requireTiers(RateLimiter limiter, Set<String> tiers, String setting) {
            Set<String> missing = new TreeSet<>(tiers);
            missing.removeAll(limiter.tiers());
            if (!missing.isEmpty()) {
                throw new IllegalStateException(setting + " names tiers " + missing + " that rate limiter '"
                        + limiter.name() + "' does not have; it has " + new TreeSet<>(limiter.tiers()));
            }
        }
    }
}
