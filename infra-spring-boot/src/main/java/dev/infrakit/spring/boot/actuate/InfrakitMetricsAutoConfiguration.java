package dev.infrakit.spring.boot.actuate;

import dev.infrakit.audit.AuditSink;
import dev.infrakit.backup.BackupRepository;
import dev.infrakit.backup.BackupRunner;
import dev.infrakit.backup.BackupSource;
import dev.infrakit.core.health.HealthMetrics;
import dev.infrakit.core.health.HealthRegistry;
import dev.infrakit.credentials.CredentialStore;
import dev.infrakit.ratelimit.RateLimitMetrics;
import dev.infrakit.ratelimit.RateLimiter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Optional;
import java.util.function.Function;
import dev.infrakit.core.schedule.ScheduledJob;
import io.micrometer.core.instrument.FunctionCounter;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Every Infrakit bean's Micrometer binder as a {@link MeterBinder} bean, which Boot binds to each
 * of its {@link MeterRegistry}s: the health registry's check results ({@link HealthMetrics}), each
 * {@link RateLimiter}'s decisions ({@link RateLimitMetrics}) and its store's meters, each
 * {@link AuditSink}'s and {@link CredentialStore}'s {@code metrics()}, each {@link BackupRunner}'s,
 * {@link BackupSource}'s and {@link BackupRepository}'s {@code metrics()}. A binder bean per capability, present when the capability's module is on
 * the class path and a bean of it exists, replaced by an application bean of the same name. The
 * Infrakit beans' {@code metrics()} are called only when Boot binds, so only then is each binder
 * created. Each {@link ScheduledJob} bean's runs and skipped runs are counted too.
 */
@AutoConfiguration(afterName = {
        "dev.infrakit.spring.boot.InfrakitRateLimitAutoConfiguration",
        "dev.infrakit.spring.boot.InfrakitCredentialsAutoConfiguration",
        "dev.infrakit.spring.boot.InfrakitAuditAutoConfiguration",
        "dev.infrakit.spring.boot.InfrakitAuthAutoConfiguration",
        "dev.infrakit.spring.boot.InfrakitBackupAutoConfiguration",
        "dev.infrakit.spring.boot.InfrakitCredentialRotationAutoConfiguration",
        "dev.infrakit.spring.boot.InfrakitHealthAutoConfiguration"})
@ConditionalOnClass(MeterBinder.class)
public final class InfrakitMetricsAutoConfiguration {

    /** Created by Spring. */
    public InfrakitMetricsAutoConfiguration() {
    }

    /** Binds every bean {@code beans} finds with the binder {@code binder} gives for it, if any. */
    static <T> MeterBinder each(ObjectProvider<T> beans, Function<T, Optional<? extends MeterBinder>> binder) {
        return registry -> beans.orderedStream().forEach(bean -> binder.apply(bean).ifPresent(b -> b.bindTo(registry)));
    }

    /** The health registry's results. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthRegistry.class)
    @ConditionalOnBean(HealthRegistry.class)
    static class Health {

        @Bean
        @ConditionalOnMissingBean(name = "infrakitHealthMetrics")
        MeterBinder infrakitHealthMetrics(ObjectProvider<HealthRegistry> registries) {
            return each(registries, registry -> Optional.of(new HealthMetrics(registry)));
        }
    }

    /** Each rate limiter's decisions and its store's meters. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(RateLimiter.class)
    @ConditionalOnBean(RateLimiter.class)
    static class RateLimit {

        @Bean
        @ConditionalOnMissingBean(name = "infrakitRateLimitMetrics")
        MeterBinder infrakitRateLimitMetrics(ObjectProvider<RateLimiter> limiters) {
            return each(limiters, limiter -> Optional.of(registry -> {
                new RateLimitMetrics(limiter).bindTo(registry);
                limiter.store().metrics().ifPresent(store -> store.bindTo(registry));
            }));
        }
    }

    /** Each audit sink's meters. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(AuditSink.class)
    @ConditionalOnBean(AuditSink.class)
    static class Audit {

        @Bean
        @ConditionalOnMissingBean(name = "infrakitAuditMetrics")
        MeterBinder infrakitAuditMetrics(ObjectProvider<AuditSink> sinks) {
            return each(sinks, AuditSink::metrics);
        }
    }

    /** Each credential store's meters. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(CredentialStore.class)
    @ConditionalOnBean(CredentialStore.class)
    static class Credentials {

        @Bean
        @ConditionalOnMissingBean(name = "infrakitCredentialsMetrics")
        MeterBinder infrakitCredentialsMetrics(ObjectProvider<CredentialStore> stores) {
            return each(stores, CredentialStore::metrics);
        }
    }

    /** Each backup runner's outcomes. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(BackupRunner.class)
    @ConditionalOnBean(BackupRunner.class)
    static class Backup {

        @Bean
        @ConditionalOnMissingBean(name = "infrakitBackupMetrics")
        MeterBinder infrakitBackupMetrics(ObjectProvider<BackupRunner> runners, ObjectProvider<BackupSource> sources,
                ObjectProvider<BackupRepository> repositories) {
            MeterBinder ofRunners = each(runners, runner -> Optional.of(runner.metrics()));
            MeterBinder ofSources = each(sources, BackupSource::metrics);
            MeterBinder ofRepositories = each(repositories, BackupRepository::metrics);
            return registry -> {
                ofRunners.bindTo(registry);
                ofSources.bindTo(registry);
                ofRepositories.bindTo(registry);
            };
        }
    }

    /**
     * Each {@link ScheduledJob} bean's runs and skipped runs (the starter's scheduled backups and
     * rotations, and the application's own): {@code infrakit.scheduled.job.runs} and
     * {@code infrakit.scheduled.job.skipped} (runs another instance's hold on the cluster lock
     * skipped), function counters tagged {@code job} with the bean's name.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(ScheduledJob.class)
    @ConditionalOnBean(ScheduledJob.class)
    static class Scheduled {

        @Bean
        @ConditionalOnMissingBean(name = "infrakitScheduledJobMetrics")
        MeterBinder infrakitScheduledJobMetrics(ListableBeanFactory beans) {
            return registry -> beans.getBeansOfType(ScheduledJob.class).forEach((name, job) -> {
                FunctionCounter.builder("infrakit.scheduled.job.runs", job, ScheduledJob::runs)
                        .description("Scheduled runs ended, whatever their outcome (skipped ones included)")
                        .tag("job", name).register(registry);
                FunctionCounter.builder("infrakit.scheduled.job.skipped", job, ScheduledJob::skipped)
                        .description("Scheduled runs skipped because another instance held the cluster lock")
                        .tag("job", name).register(registry);
            });
        }
    }
}
