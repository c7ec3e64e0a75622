package dev.infrakit.spring.boot.security;

import dev.infrakit.audit.AuditSink;
import dev.infrakit.auth.ApiKeys;
import dev.infrakit.auth.TokenVerifier;
import dev.infrakit.core.http.ClientAddress;
import dev.infrakit.ratelimit.RateLimiter;
import dev.infrakit.spring.boot.web.InfrakitWebProperties;
import dev.infrakit.web.servlet.ProblemResponses;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.security.autoconfigure.web.servlet.ConditionalOnDefaultServletWebSecurity;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationConverter;
import org.springframework.security.oauth2.server.resource.authentication.JwtGrantedAuthoritiesConverter;
import org.springframework.security.web.SecurityFilterChain;

/**
 * Spring Security over Infrakit's credentials, in a servlet application with Spring Security and
 * infra-auth on the class path (Spring's OAuth2 resource server only for bearer tokens: API keys
 * need plain Spring Security):
 * <ul>
 *   <li>{@code infrakitJwtDecoder}: an {@link InfrakitJwtDecoder} over the {@link TokenVerifier}
 *   bean (unless the application has a {@link JwtDecoder}; off with
 *   {@code infrakit.web.security.jwt=false}; only with the resource server on the class path), and a {@link JwtAuthenticationConverter} mapping
 *   the token's roles claim ({@code infrakit.web.security.roles-claim}) to {@code ROLE_}
 *   authorities and naming the principal by {@code sub};</li>
 *   <li>{@code infrakitApiKeyAuthenticationProvider}: an {@link ApiKeyAuthenticationProvider} over
 *   the {@link ApiKeys} bean (off with {@code infrakit.web.security.api-keys=false});</li>
 *   <li>the {@link ProblemAuthenticationEntryPoint} (refusals as problem+json, refused tokens
 *   audited to the {@link AuditSink} bean and charged to the per-address rate limit) and the
 *   {@link SpringSecurityActor} (audit actors carrying the Spring principal);</li>
 *   <li>when the application defines no {@link SecurityFilterChain} of its own and a verifier or
 *   API keys exist, a stateless chain: the {@code infrakit.web.security.public-paths} open (by
 *   default Actuator's health), every other request authenticated, with
 *   {@link InfrakitSecurityConfigurer}.</li>
 * </ul>
 * Each bean is replaced by an application bean of its type. Runs before Boot's resource-server and
 * default web security, so they back off.
 */
@AutoConfiguration(afterName = {
        "dev.infrakit.spring.boot.InfrakitAuthAutoConfiguration",
        "dev.infrakit.spring.boot.InfrakitAuditAutoConfiguration",
        "dev.infrakit.spring.boot.InfrakitRateLimitAutoConfiguration",
        "dev.infrakit.spring.boot.web.InfrakitWebAutoConfiguration"},
        beforeName = {
        "org.springframework.boot.security.oauth2.server.resource.autoconfigure.OAuth2ResourceServerAutoConfiguration",
        "org.springframework.boot.security.oauth2.server.resource.autoconfigure.web.OAuth2ResourceServerWebSecurityAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.actuate.web.servlet.ManagementWebSecurityAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration"})
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({SecurityFilterChain.class, TokenVerifier.class, ProblemResponses.class})
@EnableConfigurationProperties(InfrakitWebProperties.class)
public final class InfrakitSecurityAutoConfiguration {

    /** Created by Spring. */
    public InfrakitSecurityAutoConfiguration() {
    }

    /**
     * API keys checked by infra-auth.
     *
     * @param apiKeys the application's API keys
     * @return the provider
     */
    @Bean
    @ConditionalOnBean(ApiKeys.class)
    @ConditionalOnMissingBean
    @ConditionalOnBooleanProperty(name = "infrakit.web.security.api-keys", matchIfMissing = true)
    public ApiKeyAuthenticationProvider infrakitApiKeyAuthenticationProvider(ApiKeys apiKeys) {
        return ApiKeyAuthenticationProvider.of(apiKeys);
    }

    /**
     * Refusals as problem+json.
     *
     * @param audit the audit sink refused tokens are recorded in, if any
     * @param limiter the rate limiter refused credentials are charged to, if any
     * @param clients the client address resolver, if any
     * @param properties {@code infrakit.web.security.failure-cost}, {@code infrakit.web.address-rate-limit.tier}
     * @return the entry point
     */
    @Bean
    @ConditionalOnMissingBean
    public ProblemAuthenticationEntryPoint infrakitAuthenticationEntryPoint(ObjectProvider<AuditSink> audit,
            ObjectProvider<RateLimiter> limiter, ObjectProvider<ClientAddress.Resolver> clients,
            InfrakitWebProperties properties) {
        return ProblemAuthenticationEntryPoint.of(audit.getIfUnique(), clients(clients),
                properties.getAddressRateLimit().isEnabled() ? limiter.getIfUnique() : null,
                properties.getAddressRateLimit().getTier(), properties.getSecurity().getFailureCost());
    }

    /**
     * Audit actors carrying the Spring principal.
     *
     * @param clients the client address resolver, if any
     * @return the actor supplier
     */
    @Bean
    @ConditionalOnMissingBean
    public SpringSecurityActor infrakitSpringSecurityActor(ObjectProvider<ClientAddress.Resolver> clients) {
        return SpringSecurityActor.of(clients(clients));
    }

    private static ClientAddress.Resolver clients(ObjectProvider<ClientAddress.Resolver> clients) {
        return clients.getIfUnique(() -> ClientAddress.resolver().build());
    }

    /**
     * Bearer tokens through Spring's resource server: only when it is on the class path (an
     * application using API keys alone needs plain Spring Security).
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = {"org.springframework.security.oauth2.jwt.JwtDecoder",
            "org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationConverter"})
    static class ResourceServer {

        /**
         * Spring's decoder over Infrakit's verifier.
         *
         * @param verifier the application's token verifier
         * @return the decoder
         */
        @Bean
        @ConditionalOnBean(TokenVerifier.class)
        @ConditionalOnMissingBean(JwtDecoder.class)
        @ConditionalOnBooleanProperty(name = "infrakit.web.security.jwt", matchIfMissing = true)
        public InfrakitJwtDecoder infrakitJwtDecoder(TokenVerifier verifier) {
            return InfrakitJwtDecoder.of(verifier);
        }

        /**
         * Roles claim to {@code ROLE_} authorities; the principal named by {@code sub}.
         *
         * @param properties {@code infrakit.web.security.roles-claim}
         * @return the converter
         */
        @Bean
        @ConditionalOnBean(TokenVerifier.class)
        @ConditionalOnMissingBean
        public JwtAuthenticationConverter infrakitJwtAuthenticationConverter(InfrakitWebProperties properties) {
            JwtGrantedAuthoritiesConverter authorities = new JwtGrantedAuthoritiesConverter();
            authorities.setAuthoritiesClaimName(properties.getSecurity().getRolesClaim());
            authorities.setAuthorityPrefix("ROLE_");
            JwtAuthenticationConverter converter = new JwtAuthenticationConverter();
            converter.setJwtGrantedAuthoritiesConverter(authorities);
            converter.setPrincipalClaimName("sub");
            return converter;
        }
    }

    /** The default chain, when the application has none and Infrakit has credentials to check. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnDefaultServletWebSecurity
    @Conditional(TokensOrApiKeys.class)
    static class DefaultChain {

        @Bean
        SecurityFilterChain infrakitSecurityFilterChain(HttpSecurity http, InfrakitWebProperties properties)
                throws Exception {
            String[] publicPaths = properties.getSecurity().getPublicPaths().toArray(String[]::new);
            http.csrf(csrf -> csrf.disable())
                    .sessionManagement(sessions -> sessions.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                    .authorizeHttpRequests(requests -> {
                        if (publicPaths.length > 0) {
                            requests.requestMatchers(publicPaths).permitAll();
                        }
                        requests.anyRequest().authenticated();
                    })
                    .with(InfrakitSecurityConfigurer.infrakit(), Customizer.withDefaults());
            return http.build();
        }
    }

    /** A token verifier or API keys exist. */
    static final class TokensOrApiKeys extends AnyNestedCondition {

        TokensOrApiKeys() {
            super(ConfigurationPhase.REGISTER_BEAN);
        }

        @ConditionalOnBean(TokenVerifier.class)
        static final class Tokens {
        }

        @ConditionalOnBean(ApiKeys.class)
        static final class Keys {
        }
    }
}
