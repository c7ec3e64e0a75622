package dev.infrakit.spring.boot;

import dev.infrakit.core.Providers;
import dev.infrakit.credentials.CredentialStore;
import dev.infrakit.credentials.CredentialStoreProvider;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * A {@link CredentialStore} loaded through {@code Providers} from {@code infrakit.credentials.*}
 * (the provider named by {@code infrakit.credentials.store}: {@code memory}, {@code file},
 * {@code postgres}; encrypted with the configured master key and cached when
 * {@code cache.enabled}), when infra-credentials is on the class path and
 * {@code infrakit.credentials.store} (or {@code .enabled=true}, then {@code memory}) is set. An
 * application's own {@code CredentialStore} bean replaces it. Closed with the context.
 */
@AutoConfiguration(after = InfrakitAuditAutoConfiguration.class)
@ConditionalOnClass(CredentialStore.class)
@ConditionalOnInfrakit(prefix = "infrakit.credentials", keys = "store")
@EnableConfigurationProperties(InfrakitCredentialsProperties.class)
public class InfrakitCredentialsAutoConfiguration {

    /** Created by Spring. */
    public InfrakitCredentialsAutoConfiguration() {
    }

    /**
     * The store.
     *
     * @param environment read as Infrakit configuration
     * @return the store of {@code infrakit.credentials.*}
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public CredentialStore infrakitCredentialStore(Environment environment) {
        return Providers.load(CredentialStoreProvider.class,
                ConfigValues.withDefault(EnvironmentConfig.of(environment), "infrakit.credentials.store", "memory"));
    }

    /**
     * The store's health check.
     *
     * @param store the store in the context
     * @return its checks
     */
    @Bean
    @ConditionalOnMissingBean(name = "infrakitCredentialsHealthChecks")
    public HealthCheckSource infrakitCredentialsHealthChecks(ObjectProvider<CredentialStore> store) {
        return () -> store.orderedStream().flatMap(s -> s.healthCheck().stream()).toList();
    }
}
