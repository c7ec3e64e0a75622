package dev.infrakit.spring.boot.security;

import dev.infrakit.core.http.ClientAddress;
import org.springframework.context.ApplicationContext;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.ObjectPostProcessor;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.server.resource.web.authentication.BearerTokenAuthenticationFilter;
import org.springframework.security.web.authentication.AuthenticationEntryPointFailureHandler;

/**
 * Puts Infrakit's authentication into a Spring Security filter chain, the application's own or
 * the one Infrakit's auto-configuration builds:
 * <pre>{@code
 * http.authorizeHttpRequests(a -> a.anyRequest().authenticated())
 *     .with(InfrakitSecurityConfigurer.infrakit(), Customizer.withDefaults());
 * }</pre>
 * With a {@link JwtDecoder} bean (Infrakit's {@link InfrakitJwtDecoder}), bearer tokens through
 * Spring's resource server; with an {@link ApiKeyAuthenticationProvider} bean, the
 * {@link ApiKeyAuthenticationFilter} before the bearer filter; refusals answered by the
 * {@link ProblemAuthenticationEntryPoint} bean as problem+json (a token that cannot be checked now
 * 503, not 500). Not thread-safe while configuring, as Spring's configurers are not.
 */
public final class InfrakitSecurityConfigurer extends AbstractHttpConfigurer<InfrakitSecurityConfigurer, HttpSecurity> {

    private InfrakitSecurityConfigurer() {
    }

    /** A configurer reading Infrakit's beans from the chain's application context. */
    public static InfrakitSecurityConfigurer infrakit() {
        return new InfrakitSecurityConfigurer();
    }

    @Override
    public void init(HttpSecurity http) {
        ApplicationContext context = http.getSharedObject(ApplicationContext.class);
        ProblemAuthenticationEntryPoint entryPoint = context.getBean(ProblemAuthenticationEntryPoint.class);
        http.exceptionHandling(exceptions -> exceptions.authenticationEntryPoint(entryPoint).accessDeniedHandler(entryPoint));
        if (context.getBeanProvider(JwtDecoder.class).getIfUnique() != null) {
            http.oauth2ResourceServer(resourceServer -> resourceServer.authenticationEntryPoint(entryPoint)
                    .accessDeniedHandler(entryPoint).jwt(Customizer.withDefaults())
                    .withObjectPostProcessor(new ObjectPostProcessor<BearerTokenAuthenticationFilter>() {
                        @Override
                        public <O extends BearerTokenAuthenticationFilter> O postProcess(O filter) {
                            // A token that cannot be checked now is the entry point's 503, not a 500.
                            AuthenticationEntryPointFailureHandler failures =
                                    new AuthenticationEntryPointFailureHandler(entryPoint);
                            failures.setRethrowAuthenticationServiceException(false);
                            filter.setAuthenticationFailureHandler(failures);
                            return filter;
                        }
                    }));
        }
    }

    @Override
    public void configure(HttpSecurity http) {
        ApplicationContext context = http.getSharedObject(ApplicationContext.class);
        ApiKeyAuthenticationProvider apiKeys = context.getBeanProvider(ApiKeyAuthenticationProvider.class).getIfUnique();
        if (apiKeys != null) {
            ClientAddress.Resolver clients = context.getBeanProvider(ClientAddress.Resolver.class)
                    .getIfUnique(() -> ClientAddress.resolver().build());
            http.addFilterBefore(ApiKeyAuthenticationFilter.of(apiKeys, context.getBean(ProblemAuthenticationEntryPoint.class),
                    clients), BearerTokenAuthenticationFilter.class);
        }
    }
}
