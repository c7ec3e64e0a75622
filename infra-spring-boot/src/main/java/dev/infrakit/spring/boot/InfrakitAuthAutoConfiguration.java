package dev.infrakit.spring.boot;

import dev.infrakit.audit.AuditSink;
import dev.infrakit.auth.ApiKeyStore;
import dev.infrakit.audit.Actor;
import dev.infrakit.auth.ApiKeys;
import dev.infrakit.auth.CredentialStoreApiKeyStore;
import dev.infrakit.auth.InMemoryApiKeyStore;
import dev.infrakit.auth.JwkSet;
import dev.infrakit.auth.KeyResolver;
import dev.infrakit.auth.RemoteJwks;
import dev.infrakit.auth.TokenKeys;
import dev.infrakit.auth.TokenVerifier;
import dev.infrakit.core.Config;
import dev.infrakit.core.schedule.ClusterLock;
import dev.infrakit.core.schedule.ScheduledJob;
import dev.infrakit.credentials.CredentialStore;
import java.util.function.Supplier;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Infrakit authentication from {@code infrakit.auth.*}, when infra-auth is on the class path:
 * <ul>
 *   <li>with {@code infrakit.auth.jwks-uri} (a remote JWKS, {@link RemoteJwks}) or
 *       {@code infrakit.auth.jwks-file} (a local one, {@link JwkSet}): a {@link KeyResolver} and a
 *       {@link TokenVerifier} checking {@code issuer}, {@code audience}, {@code types},
 *       {@code roles-claim}, {@code clock-skew} and {@code max-length};</li>
 *   <li>with {@code infrakit.auth.api-keys.enabled=true}: an {@link ApiKeyStore} (the
 *       {@code CredentialStore} bean's, or in memory) and {@link ApiKeys}, audited through the
 *       {@code AuditSink} bean when there is one, their management records naming the actor of a
 *       unique {@code Supplier<Actor>} bean (with Spring Security, the security
 *       auto-configuration's {@code SpringSecurityActor}: the Spring principal of the request).</li>
 *   <li>with a {@link TokenKeys} bean of the application's and
 *       {@code infrakit.auth.signing-keys.rotation-period}: a {@link ScheduledJob} named
 *       {@value #SIGNING_KEY_ROTATION} rotating those signing keys once per period
 *       ({@link TokenKeys#scheduleRotation(Duration, java.util.concurrent.ScheduledExecutorService, ClusterLock)});
 *       with a {@link ClusterLock} bean ({@code infrakit.schedule.lock}) one instance checks at a
 *       time, so N instances sharing the key store rotate once, not N times.</li>
 * </ul>
 * Each bean is replaced by an application's own of its type.
 */
@AutoConfiguration(after = {InfrakitAuditAutoConfiguration.class, InfrakitCredentialsAutoConfiguration.class})
@ConditionalOnClass(TokenVerifier.class)
@EnableConfigurationProperties(InfrakitAuthProperties.class)
public class InfrakitAuthAutoConfiguration {
    /** The signing-key rotation job's bean name. */
    public static final String SIGNING_KEY_ROTATION = "infrakitSigningKeyRotation";

    /** Created by Spring. */
    public InfrakitAuthAutoConfiguration() {
    }

    /** Token verification, when a JWKS is configured. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnInfrakit(prefix = "infrakit.auth", keys = {"jwks-uri", "jwks-file"})
    static class Tokens {

        @Bean
        @ConditionalOnMissingBean
        KeyResolver infrakitTokenKeys(Environment environment) {
            Config auth = EnvironmentConfig.of(environment).section("infrakit.auth");
            boolean remote = auth.has("jwks-uri");
            if (remote == auth.has("jwks-file")) {
                throw auth.invalid(remote ? "jwks-file" : "jwks-uri", "expected one of infrakit.auth.jwks-uri "
                        + "(a remote JWKS) or infrakit.auth.jwks-file (a local one)" + (remote ? ", not both" : ""));
            }
            if (!remote) {
                String file = auth.getString("jwks-file");
                String json;
                try {
                    json = Files.readString(Path.of(file), StandardCharsets.UTF_8);
                } catch (IOException | RuntimeException e) {
                    throw auth.invalid("jwks-file", "expected a readable JWKS file (" + e.getClass().getSimpleName() + ")");
                }
                return ConfigValues.named(auth, "jwks-file", () -> JwkSet.parse(json));
            }
            RemoteJwks.Builder builder = ConfigValues.named(auth, "jwks-uri",
                    () -> RemoteJwks.builder(URI.create(auth.getString("jwks-uri").trim())));
            Config jwks = auth.section("jwks");
            if (jwks.has("refresh-after")) {
                ConfigValues.named(jwks, "refresh-after", () -> builder.refreshAfter(jwks.getDuration("refresh-after")));
            }
            if (jwks.has("request-timeout")) {
                ConfigValues.named(jwks, "request-timeout", () -> builder.requestTimeout(jwks.getDuration("request-timeout")));
            }
            builder.allowHttp(jwks.getBoolean("allow-http", false));
            return ConfigValues.named(auth, "jwks-uri", builder::build);
        }

        @Bean
        @ConditionalOnMissingBean
        TokenVerifier infrakitTokenVerifier(Environment environment, KeyResolver keys) {
            Config auth = EnvironmentConfig.of(environment).section("infrakit.auth");
            TokenVerifier.Builder builder = TokenVerifier.builder(keys);
            List<String> issuers = auth.getList("issuer");
            if (issuers.equals(List.of("*"))) {
                builder.anyIssuer();
            } else {
                ConfigValues.named(auth, "issuer", () -> builder.issuer(issuers.toArray(String[]::new)));
            }
            String audience = auth.getString("audience");
            if (audience.equals("*")) {
                builder.anyAudience();
            } else {
                ConfigValues.named(auth, "audience", () -> builder.audience(audience));
            }
            if (auth.has("types")) {
                ConfigValues.named(auth, "types", () -> builder.types(auth.getList("types").toArray(String[]::new)));
            }
            auth.find("roles-claim").ifPresent(claim -> ConfigValues.named(auth, "roles-claim", () -> builder.rolesClaim(claim)));
            if (auth.has("clock-skew")) {
                ConfigValues.named(auth, "clock-skew", () -> builder.clockSkew(auth.getDuration("clock-skew")));
            }
            if (auth.has("max-length")) {
                ConfigValues.named(auth, "max-length", () -> builder.maxLength(auth.getInt("max-length")));
            }
            return builder.build();
        }

        @Bean
        @ConditionalOnMissingBean(name = "infrakitTokenKeysHealthChecks")
        HealthCheckSource infrakitTokenKeysHealthChecks(ObjectProvider<KeyResolver> keys) {
            return () -> keys.orderedStream().filter(RemoteJwks.class::isInstance)
                    .map(k -> ((RemoteJwks) k).healthCheck()).toList();
        }
    }

    /** Rotation of the application's signing keys, when a period is configured. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnBean(TokenKeys.class)
    @ConditionalOnProperty(prefix = "infrakit.auth.signing-keys", name = "rotation-period")
    static class SigningKeyRotation {

        @Bean(name = SIGNING_KEY_ROTATION, destroyMethod = "close")
        @ConditionalOnMissingBean(name = SIGNING_KEY_ROTATION)
        ScheduledJob infrakitSigningKeyRotation(Environment environment, TokenKeys keys, ObjectProvider<ClusterLock> lock) {
            Config config = EnvironmentConfig.of(environment).section("infrakit.auth.signing-keys");
            Duration period = config.getDuration("rotation-period");
            ClusterLock shared = lock.getIfUnique();
            return OwnedThreadJob.start("infrakit-signing-keys", executor -> ConfigValues.named(config, "rotation-period",
                    () -> shared == null ? keys.scheduleRotation(period, executor)
                            : keys.scheduleRotation(period, executor, shared)));
        }
    }

    /** API keys, when enabled. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty(prefix = "infrakit.auth.api-keys", name = "enabled", havingValue = "true")
    static class ApiKeysConfiguration {

        @Bean
        @ConditionalOnMissingBean
        ApiKeyStore infrakitApiKeyStore(Environment environment, ObjectProvider<CredentialStore> credentials) {
            Config keys = EnvironmentConfig.of(environment).section("infrakit.auth.api-keys");
            CredentialStore store = credentials.getIfUnique();
            String kind = keys.getString("store", store != null ? "credentials" : "");
            return switch (kind) {
                case "memory" -> InMemoryApiKeyStore.create();
                case "credentials" -> {
                    if (store == null) {
                        throw keys.invalid("store", "expected memory: there is no CredentialStore bean "
                                + "(set infrakit.credentials.store, or define one)");
                    }
                    yield CredentialStoreApiKeyStore.create(store);
                }
                case "" -> throw keys.invalid("store", "expected credentials (with a CredentialStore: set "
                        + "infrakit.credentials.store) or memory (keys lost at restart)");
                default -> throw keys.invalid("store", "expected credentials or memory");
            };
        }

        @Bean
        @ConditionalOnMissingBean
        ApiKeys infrakitApiKeys(Environment environment, ApiKeyStore store, ObjectProvider<AuditSink> audit,
                ObjectProvider<Supplier<Actor>> actors) {
            Config keys = EnvironmentConfig.of(environment).section("infrakit.auth.api-keys");
            ApiKeys.Builder builder = ApiKeys.builder(store);
            if (keys.has("max-live-keys")) {
                ConfigValues.named(keys, "max-live-keys", () -> builder.maxLiveKeys(keys.getInt("max-live-keys")));
            }
            keys.find("admin-role").ifPresent(role -> ConfigValues.named(keys, "admin-role", () -> builder.adminRole(role)));
            if (keys.has("rate-limit-per-key")) {
                builder.rateLimitPerKey(keys.getBoolean("rate-limit-per-key"));
            }
            AuditSink sink = audit.getIfUnique();
            if (sink != null) {
                builder.auditSink(sink);
            }
            // The Spring principal in the key-management records: infrakitSpringSecurityActor, or the application's own.
            Supplier<Actor> actor = actors.getIfUnique();
            if (actor != null) {
                builder.actor(actor);
            }
            return builder.build();
        }
    }
}
