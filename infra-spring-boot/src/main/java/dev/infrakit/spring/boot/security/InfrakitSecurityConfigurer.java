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
import org.springframework.security.web.authentication.www.BasicAuthenticationFilter;
import org.springframework.util.ClassUtils;

/**
 * Puts Infrakit's authentication into a Spring Security filter chain, the application's own or
 * the one Infrakit's auto-configuration builds:
 * <pre>{@code
 * http.authorizeHttpRequests(a -> a.anyRequest().authenticated())
 *     .with(InfrakitSecurityConfigurer.infrakit(), Customizer.withDefaults());
 * }</pre>
 * With Spring's OAuth2 resource server on the class path and a {@link JwtDecoder} bean (Infrakit's
 * {@link InfrakitJwtDecoder}), bearer tokens through the resource server; with an
 * {@link ApiKeyAuthenticationProvider} bean, the {@link ApiKeyAuthenticationFilter} before the
 * bearer filter (before {@code BasicAuthenticationFilter} without the resource server: API keys
 * need plain Spring Security); refusals answered by the {@link ProblemAuthenticationEntryPoint}
 * bean as problem+json (a token that cannot be checked now 503, not 500). Not thread-safe while
 * configuring, as Spring's configurers are not.
 */
public final class InfrakitSecurityConfigurer extends AbstractHttpConfigurer<InfrakitSecurityConfigurer, HttpSecurity> {
    private static final String BEARER_FILTER =
            "org.springframework.security.oauth2.server.resource.web.authentication.BearerTokenAuthenticationFilter";

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
        if (resourceServer(context)) {
            ResourceServer.init(http, context, entryPoint);
        }
    }

    @Override
    public void configure(HttpSecurity http) {
        ApplicationContext context = http.getSharedObject(ApplicationContext.class);
        ApiKeyAuthenticationProvider apiKeys = context.getBeanProvider(ApiKeyAuthenticationProvider.class).getIfUnique();
        if (apiKeys != null) {
            ClientAddress.Resolver clients = context.getBeanProvider(ClientAddress.Resolver.class)
                    .getIfUnique(() -> ClientAddress.resolver().build());
            ApiKeyAuthenticationFilter filter = ApiKeyAuthenticationFilter.of(apiKeys,
                    context.getBean(ProblemAuthenticationEntryPoint.class), clients);
            if (resourceServer(context)) {
                ResourceServer.addBefore(http, filter);
            } else {
                http.addFilterBefore(filter, BasicAuthenticationFilter.class);
            }
        }
    }

    /** Whether Spring's resource server is on the class path of the application. */
    private static boolean resourceServer(ApplicationContext context) {
        return ClassUtils.isPresent(BEARER_FILTER, context.getClassLoader());
    }

    /** The resource server's classes, loaded only when it is on the class path. */
    private static final class ResourceServer {
        private ResourceServer() {
        }

        static void init(HttpSecurity http, ApplicationContext context, ProblemAuthenticationEntryPoint entryPoint) {
            if (context.getBeanProvider(JwtDecoder.class).getIfUnique() == null) {
                return;
            }
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

        static void addBefore(HttpSecurity http, ApiKeyAuthenticationFilter filter) {
            http.addFilterBefore(filter, BearerTokenAuthenticationFilter.class);
        }
    }
}
