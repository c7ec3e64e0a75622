package dev.infrakit.spring.boot.security;

import dev.infrakit.auth.ApiKeys;
import dev.infrakit.auth.InMemoryApiKeyStore;
import dev.infrakit.auth.JwsAlgorithm;
import dev.infrakit.auth.SigningKey;
import dev.infrakit.auth.TokenIssuer;
import dev.infrakit.auth.TokenVerifier;
import dev.infrakit.spring.boot.web.InfrakitWebAutoConfiguration;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationConverter;
import org.springframework.security.web.SecurityFilterChain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InfrakitSecurityAutoConfigurationTest {
    private static final SigningKey KEY = SigningKey.generate(JwsAlgorithm.ES256, "k1");

    private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(InfrakitWebAutoConfiguration.class,
                    InfrakitSecurityAutoConfiguration.class, ServletWebSecurityAutoConfiguration.class));

    private static TokenVerifier verifier() {
        return TokenVerifier.builder(KEY.verificationKey()).issuer("svc").audience("api").build();
    }

    private static ApiKeys apiKeys() {
        return ApiKeys.builder(InMemoryApiKeyStore.create()).build();
    }

    @Test
    void aVerifierGivesTheJwtDecoderTheConverterAndTheDefaultChain() {
        runner.withBean(TokenVerifier.class, InfrakitSecurityAutoConfigurationTest::verifier).run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(InfrakitJwtDecoder.class)
                    .hasSingleBean(JwtAuthenticationConverter.class).hasBean("infrakitSecurityFilterChain")
                    .hasSingleBean(SecurityFilterChain.class).hasSingleBean(ProblemAuthenticationEntryPoint.class)
                    .hasSingleBean(SpringSecurityActor.class).doesNotHaveBean(ApiKeyAuthenticationProvider.class);
            String token = TokenIssuer.builder(KEY).issuer("svc").audience("api").build().issue("alice", Set.of("admin"));
            Authentication authentication = context.getBean(JwtAuthenticationConverter.class)
                    .convert(context.getBean(JwtDecoder.class).decode(token));
            assertThat(authentication.getName()).isEqualTo("alice");
            assertThat(authentication.getAuthorities()).extracting(GrantedAuthority::getAuthority).contains("ROLE_admin")
                    .filteredOn(authority -> authority.startsWith("ROLE_")).containsExactly("ROLE_admin");
        });
    }

    @Test
    void theRolesClaimIsConfigurable() {
        runner.withBean(TokenVerifier.class, () -> TokenVerifier.builder(KEY.verificationKey()).issuer("svc").audience("api")
                        .rolesClaim("groups").build())
                .withPropertyValues("infrakit.web.security.roles-claim=groups").run(context -> {
                    String token = TokenIssuer.builder(KEY).issuer("svc").audience("api").rolesClaim("groups").build()
                            .issue("bob", Set.of("ops"));
                    assertThat(context.getBean(JwtAuthenticationConverter.class)
                            .convert(context.getBean(JwtDecoder.class).decode(token)).getAuthorities())
                            .extracting(GrantedAuthority::getAuthority).filteredOn(a -> a.startsWith("ROLE_"))
                            .containsExactly("ROLE_ops");
                });
    }

    @Test
    void apiKeysGiveTheProviderWhichAcceptsAndRefusesKeys() {
        ApiKeys keys = apiKeys();
        String key = keys.create("svc-a", Set.of("user"), "a", Duration.ofDays(1)).key();
        runner.withBean(ApiKeys.class, () -> keys).run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(ApiKeyAuthenticationProvider.class)
                    .doesNotHaveBean(JwtDecoder.class).hasBean("infrakitSecurityFilterChain");
            ApiKeyAuthenticationProvider provider = context.getBean(ApiKeyAuthenticationProvider.class);
            Authentication accepted = provider.authenticate(ApiKeyAuthenticationToken.unauthenticated(key, "192.0.2.1"));
            assertThat(accepted.isAuthenticated()).isTrue();
            assertThat(accepted.getName()).isEqualTo("svc-a");
            assertThat(accepted.getCredentials()).isNull();
            assertThat(accepted.getAuthorities()).extracting(GrantedAuthority::getAuthority).containsExactly("ROLE_user");
            assertThat(accepted.toString()).doesNotContain(key);
            ApiKeyAuthenticationToken presented = ApiKeyAuthenticationToken.unauthenticated(key + "0", "192.0.2.1");
            assertThat(presented.toString()).doesNotContain(key);
            assertThatThrownBy(() -> provider.authenticate(presented)).isInstanceOf(BadCredentialsException.class)
                    .message().doesNotContain(key);
            assertThat(presented.getCredentials()).isNull();
        });
    }

    @Test
    void theApplicationsBeansAndChainReplaceOurs() {
        JwtDecoder own = token -> {
            throw new org.springframework.security.oauth2.jwt.BadJwtException("own decoder");
        };
        runner.withBean(TokenVerifier.class, InfrakitSecurityAutoConfigurationTest::verifier)
                .withBean("ownDecoder", JwtDecoder.class, () -> own)
                .withBean("ownChain", SecurityFilterChain.class, () -> new org.springframework.security.web
                        .DefaultSecurityFilterChain(request -> true))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(InfrakitJwtDecoder.class)
                        .doesNotHaveBean("infrakitSecurityFilterChain").hasSingleBean(SecurityFilterChain.class)
                        .getBean(JwtDecoder.class).isSameAs(own));
    }

    @Test
    void propertiesSwitchTheDecoderAndTheApiKeysOff() {
        runner.withBean(TokenVerifier.class, InfrakitSecurityAutoConfigurationTest::verifier)
                .withBean(ApiKeys.class, InfrakitSecurityAutoConfigurationTest::apiKeys)
                .withPropertyValues("infrakit.web.security.jwt=false", "infrakit.web.security.api-keys=false")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(JwtDecoder.class)
                        .doesNotHaveBean(ApiKeyAuthenticationProvider.class));
    }

    @Test
    void withoutCredentialsNoDefaultChainAndWithoutSpringSecurityNothing() {
        runner.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean("infrakitSecurityFilterChain")
                .doesNotHaveBean(JwtDecoder.class));
        runner.withBean(TokenVerifier.class, InfrakitSecurityAutoConfigurationTest::verifier)
                .withClassLoader(new FilteredClassLoader(SecurityFilterChain.class))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(JwtDecoder.class)
                        .doesNotHaveBean(ProblemAuthenticationEntryPoint.class));
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(InfrakitSecurityAutoConfiguration.class))
                .withBean(TokenVerifier.class, InfrakitSecurityAutoConfigurationTest::verifier)
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(JwtDecoder.class));
    }

    private static java.util.List<String> chainFilters(org.springframework.context.ApplicationContext context) {
        return context.getBean(SecurityFilterChain.class).getFilters().stream().map(f -> f.getClass().getName()).toList();
    }

    /** Without Spring's resource server: the key provider and filter in the default chain, no decoder, no bearer filter. */
    private static void keysWithoutTheResourceServer(WebApplicationContextRunner runner) {
        runner.withClassLoader(new FilteredClassLoader("org.springframework.security.oauth2")).run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(ApiKeyAuthenticationProvider.class)
                    .hasBean("infrakitSecurityFilterChain").hasSingleBean(ProblemAuthenticationEntryPoint.class)
                    .doesNotHaveBean("infrakitJwtDecoder").doesNotHaveBean("infrakitJwtAuthenticationConverter");
            assertThat(chainFilters(context)).contains(ApiKeyAuthenticationFilter.class.getName())
                    .noneMatch(name -> name.contains("BearerToken"));
        });
    }

    @Test
    void apiKeysAloneWorkWithPlainSpringSecurityWithoutTheResourceServer() {
        keysWithoutTheResourceServer(runner.withBean(ApiKeys.class, InfrakitSecurityAutoConfigurationTest::apiKeys));
    }

    @Test
    void aVerifierWithoutTheResourceServerGivesNoDecoderButKeysStillWork() {
        keysWithoutTheResourceServer(runner.withBean(TokenVerifier.class, InfrakitSecurityAutoConfigurationTest::verifier)
                .withBean(ApiKeys.class, InfrakitSecurityAutoConfigurationTest::apiKeys));
    }

    @Test
    void withTheResourceServerTheKeyFilterRunsBeforeTheBearerFilter() {
        runner.withBean(TokenVerifier.class, InfrakitSecurityAutoConfigurationTest::verifier)
                .withBean(ApiKeys.class, InfrakitSecurityAutoConfigurationTest::apiKeys)
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(InfrakitJwtDecoder.class)
                            .hasSingleBean(ApiKeyAuthenticationProvider.class);
                    java.util.List<String> filters = chainFilters(context);
                    int keys = filters.indexOf(ApiKeyAuthenticationFilter.class.getName());
                    int bearer = filters.indexOf(org.springframework.security.oauth2.server.resource.web.authentication
                            .BearerTokenAuthenticationFilter.class.getName());
                    assertThat(keys).isNotNegative();
                    assertThat(bearer).isGreaterThan(keys);
                });
    }

    @Test
    void apiKeyManagementRecordsCarryTheSpringPrincipal() {
        dev.infrakit.audit.MemoryAuditLog audit = dev.infrakit.audit.MemoryAuditLog.create();
        runner.withConfiguration(AutoConfigurations.of(dev.infrakit.spring.boot.InfrakitAuthAutoConfiguration.class))
                .withPropertyValues("infrakit.auth.api-keys.enabled=true", "infrakit.auth.api-keys.store=memory")
                .withBean(dev.infrakit.audit.AuditSink.class, () -> audit).run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(SpringSecurityActor.class);
                    ApiKeys keys = context.getBean(ApiKeys.class);
                    org.springframework.security.core.context.SecurityContextHolder.getContext().setAuthentication(
                            org.springframework.security.authentication.UsernamePasswordAuthenticationToken.authenticated(
                                    "alice-admin", null, java.util.List.of(
                                            new org.springframework.security.core.authority.SimpleGrantedAuthority("ROLE_admin"))));
                    try {
                        keys.create("svc-b", Set.of("user"), "b", Duration.ofDays(1));
                    } finally {
                        org.springframework.security.core.context.SecurityContextHolder.clearContext();
                    }
                    assertThat(audit.events()).isNotEmpty().last().satisfies(event -> {
                        assertThat(event.actor().id()).isEqualTo("alice-admin");
                        assertThat(event.actor().kind()).isEqualTo(dev.infrakit.audit.Actor.Kind.USER);
                    });
                    // Outside a request and without an authentication: the system, not a stale user.
                    keys.create("svc-c", Set.of("user"), "c", Duration.ofDays(1));
                    assertThat(audit.events().get(audit.events().size() - 1).actor()).isEqualTo(dev.infrakit.audit.Actor.system());
                });
    }

    @Test
    void withoutSpringSecurityApiKeyRecordsNameTheSystem() {
        dev.infrakit.audit.MemoryAuditLog audit = dev.infrakit.audit.MemoryAuditLog.create();
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(
                        dev.infrakit.spring.boot.InfrakitAuthAutoConfiguration.class, InfrakitSecurityAutoConfiguration.class))
                .withPropertyValues("infrakit.auth.api-keys.enabled=true", "infrakit.auth.api-keys.store=memory")
                .withClassLoader(new FilteredClassLoader(SecurityFilterChain.class))
                .withBean(dev.infrakit.audit.AuditSink.class, () -> audit).run(context -> {
                    assertThat(context).hasNotFailed().doesNotHaveBean(SpringSecurityActor.class);
                    context.getBean(ApiKeys.class).create("svc-d", Set.of("user"), "d", Duration.ofDays(1));
                    assertThat(audit.events()).isNotEmpty();
                    assertThat(audit.events().get(audit.events().size() - 1).actor()).isEqualTo(dev.infrakit.audit.Actor.system());
                });
    }

    @Test
    void aNegativeFailureCostFailsTheStartNamingTheSetting() {
        runner.withBean(TokenVerifier.class, InfrakitSecurityAutoConfigurationTest::verifier)
                .withPropertyValues("infrakit.web.security.failure-cost=-1")
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("infrakit.web.security.failure-cost").hasMessageContaining("-1"));
    }
}
