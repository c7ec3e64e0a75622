package dev.infrakit.spring.boot.web;

import dev.infrakit.ratelimit.RateLimitPolicy;
import dev.infrakit.ratelimit.RateLimiter;
import dev.infrakit.web.servlet.BodyLimitServletFilter;
import dev.infrakit.web.servlet.RateLimitServletFilter;
import dev.infrakit.web.servlet.SecurityHeadersServletFilter;
import jakarta.servlet.DispatcherType;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterProperties;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;

import static org.assertj.core.api.Assertions.assertThat;

class InfrakitWebAutoConfigurationTest {
    private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(InfrakitWebAutoConfiguration.class));

    private static RateLimiter limiter() {
        return RateLimiter.builder().name("api").tier(RateLimitPolicy.parse("client", "40/1m"))
                .tier(RateLimitPolicy.parse("user", "100/15m")).tier(RateLimitPolicy.parse("admin", "200/15m"))
                .defaultTier("client").build();
    }

    private static FilterRegistrationBean<?> registration(org.springframework.context.ApplicationContext context,
            String name) {
        return context.getBean(name, FilterRegistrationBean.class);
    }

    @Test
    void ourSecurityOrderIsBootsSpringSecurityFilterOrder() {
        assertThat(InfrakitWebAutoConfiguration.SECURITY_FILTER_ORDER).isEqualTo(SecurityFilterProperties.DEFAULT_FILTER_ORDER);
        assertThat(new SecurityFilterProperties().getOrder()).isEqualTo(InfrakitWebAutoConfiguration.SECURITY_FILTER_ORDER);
    }

    @Test
    void withoutALimiterHeadersAndBodyLimitAreRegisteredBeforeSpringSecurityAndNoRateLimitStage() {
        runner.run(context -> {
            assertThat(context).hasNotFailed()
                    .doesNotHaveBean(InfrakitWebAutoConfiguration.ADDRESS_RATE_LIMIT)
                    .doesNotHaveBean(InfrakitWebAutoConfiguration.PRINCIPAL_RATE_LIMIT);
            FilterRegistrationBean<?> headers = registration(context, InfrakitWebAutoConfiguration.SECURITY_HEADERS);
            assertThat(headers.getFilter()).isInstanceOf(SecurityHeadersServletFilter.class);
            assertThat(headers.getOrder()).isLessThan(SecurityFilterProperties.DEFAULT_FILTER_ORDER);
            assertThat(headers.isAsyncSupported()).isTrue();
            assertThat(headers.determineDispatcherTypes()).isEqualTo(SecurityHeadersServletFilter.DISPATCHER_TYPES)
                    .contains(DispatcherType.ERROR);
            FilterRegistrationBean<?> body = registration(context, InfrakitWebAutoConfiguration.BODY_LIMIT);
            assertThat(body.getFilter()).isInstanceOf(BodyLimitServletFilter.class);
            assertThat(((BodyLimitServletFilter) body.getFilter()).limit().maxBytes()).isEqualTo(1024 * 1024);
            assertThat(body.getOrder()).isGreaterThan(headers.getOrder()).isLessThan(SecurityFilterProperties.DEFAULT_FILTER_ORDER);
            assertThat(body.determineDispatcherTypes()).isEqualTo(BodyLimitServletFilter.DISPATCHER_TYPES);
        });
    }

    @Test
    void withALimiterTheAddressStageComesBeforeSpringSecurityAndThePrincipalStageAfter() {
        runner.withBean(RateLimiter.class, InfrakitWebAutoConfigurationTest::limiter).run(context -> {
            FilterRegistrationBean<?> address = registration(context, InfrakitWebAutoConfiguration.ADDRESS_RATE_LIMIT);
            FilterRegistrationBean<?> principal = registration(context, InfrakitWebAutoConfiguration.PRINCIPAL_RATE_LIMIT);
            int security = SecurityFilterProperties.DEFAULT_FILTER_ORDER;
            assertThat(registration(context, InfrakitWebAutoConfiguration.BODY_LIMIT).getOrder()).isLessThan(address.getOrder());
            assertThat(address.getOrder()).isLessThan(security);
            assertThat(principal.getOrder()).isGreaterThan(security);
            for (FilterRegistrationBean<?> stage : List.of(address, principal)) {
                assertThat(stage.getFilter()).isInstanceOf(RateLimitServletFilter.class);
                assertThat(stage.isAsyncSupported()).isTrue();
                assertThat(stage.determineDispatcherTypes()).isEqualTo(RateLimitServletFilter.DISPATCHER_TYPES);
                assertThat(stage.getUrlPatterns()).containsExactly("/*");
            }
        });
    }

    @Test
    void eachFilterIsSwitchedOffByItsProperty() {
        runner.withBean(RateLimiter.class, InfrakitWebAutoConfigurationTest::limiter)
                .withPropertyValues("infrakit.web.security-headers.enabled=false", "infrakit.web.body-limit.enabled=false",
                        "infrakit.web.address-rate-limit.enabled=false", "infrakit.web.principal-rate-limit.enabled=false")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(FilterRegistrationBean.class));
    }

    @Test
    void propertiesShapeTheFilters() {
        runner.withBean(RateLimiter.class, InfrakitWebAutoConfigurationTest::limiter)
                .withPropertyValues("infrakit.web.body-limit.max-size=64KB",
                        "infrakit.web.address-rate-limit.url-patterns=/api/*",
                        "infrakit.web.principal-rate-limit.url-patterns=/api/*,/admin/*")
                .run(context -> {
                    assertThat(((BodyLimitServletFilter) registration(context, InfrakitWebAutoConfiguration.BODY_LIMIT)
                            .getFilter()).limit().maxBytes()).isEqualTo(64 * 1024);
                    assertThat(registration(context, InfrakitWebAutoConfiguration.ADDRESS_RATE_LIMIT).getUrlPatterns())
                            .containsExactly("/api/*");
                    assertThat(registration(context, InfrakitWebAutoConfiguration.PRINCIPAL_RATE_LIMIT).getUrlPatterns())
                            .containsExactly("/api/*", "/admin/*");
                });
    }

    @Test
    void aRegistrationOfTheSameNameReplacesOurs() {
        runner.withBean(RateLimiter.class, InfrakitWebAutoConfigurationTest::limiter)
                .withBean(InfrakitWebAutoConfiguration.PRINCIPAL_RATE_LIMIT, FilterRegistrationBean.class,
                        () -> new FilterRegistrationBean<>(SecurityHeadersServletFilter.defaults()))
                .withBean(InfrakitWebAutoConfiguration.SECURITY_HEADERS, FilterRegistrationBean.class,
                        () -> new FilterRegistrationBean<>(SecurityHeadersServletFilter.defaults()))
                .run(context -> {
                    assertThat(registration(context, InfrakitWebAutoConfiguration.PRINCIPAL_RATE_LIMIT).getFilter())
                            .isInstanceOf(SecurityHeadersServletFilter.class);
                    assertThat(registration(context, InfrakitWebAutoConfiguration.SECURITY_HEADERS).getOrder())
                            .isEqualTo(org.springframework.core.Ordered.LOWEST_PRECEDENCE);
                    assertThat(registration(context, InfrakitWebAutoConfiguration.ADDRESS_RATE_LIMIT).getFilter())
                            .isInstanceOf(RateLimitServletFilter.class);
                });
    }

    @Test
    void aTierTheLimiterDoesNotHaveFailsTheStartNamingTheSetting() {
        runner.withBean(RateLimiter.class, InfrakitWebAutoConfigurationTest::limiter)
                .withPropertyValues("infrakit.web.principal-rate-limit.role-tiers.staff=staff")
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("infrakit.web.principal-rate-limit")
                        .hasMessageContaining("[staff]").hasMessageContaining("'api'"));
        runner.withBean(RateLimiter.class, InfrakitWebAutoConfigurationTest::limiter)
                .withPropertyValues("infrakit.web.address-rate-limit.tier=nobody")
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("infrakit.web.address-rate-limit.tier").hasMessageContaining("[nobody]"));
    }

    @Test
    void nothingOutsideAServletApplicationOrWithoutInfraWeb() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(InfrakitWebAutoConfiguration.class))
                .withBean(RateLimiter.class, InfrakitWebAutoConfigurationTest::limiter)
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(FilterRegistrationBean.class)
                        .doesNotHaveBean(InfrakitWebProperties.class));
        runner.withClassLoader(new FilteredClassLoader(SecurityHeadersServletFilter.class))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(FilterRegistrationBean.class));
    }

    @Test
    void theDefaultRoleTiersMapAdminsToTheAdminTier() {
        PrincipalKeyResolver resolver = PrincipalKeyResolver.of(new InfrakitWebProperties().getPrincipalRateLimit()
                .getRoleTiers(), "user");
        assertThat(resolver.tiers()).containsExactly("admin", "user");
        assertThat(new InfrakitWebProperties().getPrincipalRateLimit().getRoleTiers()).isEqualTo(Map.of("admin", "admin"));
    }
}
