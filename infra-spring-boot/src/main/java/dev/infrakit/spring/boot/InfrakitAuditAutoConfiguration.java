package dev.infrakit.spring.boot;

import dev.infrakit.audit.AuditSink;
import dev.infrakit.audit.AuditSinkProvider;
import dev.infrakit.core.Providers;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * An {@link AuditSink} loaded through {@code Providers} from {@code infrakit.audit.*} (the
 * provider named by {@code infrakit.audit.sink}: {@code jsonl}, {@code slf4j}, …), when
 * infra-audit is on the class path and {@code infrakit.audit.sink} (or {@code .enabled=true}) is
 * set. An application's own {@code AuditSink} bean replaces it; the other capabilities record
 * through whichever is in the context. Closed (flushed) with the context.
 */
@AutoConfiguration
@ConditionalOnClass(AuditSink.class)
@ConditionalOnInfrakit(prefix = "infrakit.audit", keys = "sink")
@EnableConfigurationProperties(InfrakitAuditProperties.class)
public class InfrakitAuditAutoConfiguration {

    /** Created by Spring. */
    public InfrakitAuditAutoConfiguration() {
    }

    /**
     * The sink.
     *
     * @param environment read as Infrakit configuration
     * @return the sink of {@code infrakit.audit.*}
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public AuditSink infrakitAuditSink(Environment environment) {
        return Providers.load(AuditSinkProvider.class, EnvironmentConfig.of(environment));
    }

    /**
     * The sink's health check (the jsonl and PostgreSQL sinks have one).
     *
     * @param sink the sink in the context
     * @return its checks
     */
    @Bean
    @ConditionalOnMissingBean(name = "infrakitAuditHealthChecks")
    public HealthCheckSource infrakitAuditHealthChecks(ObjectProvider<AuditSink> sink) {
        return () -> sink.orderedStream().flatMap(s -> s.healthCheck().stream()).toList();
    }
}
