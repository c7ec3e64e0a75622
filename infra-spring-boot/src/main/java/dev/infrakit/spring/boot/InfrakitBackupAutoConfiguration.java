package dev.infrakit.spring.boot;

import dev.infrakit.audit.AuditSink;
import dev.infrakit.backup.BackupKind;
import dev.infrakit.backup.BackupRepository;
import dev.infrakit.backup.BackupRepositoryProvider;
import dev.infrakit.backup.BackupRunner;
import dev.infrakit.backup.BackupSource;
import dev.infrakit.backup.BackupSourceProvider;
import dev.infrakit.backup.RetentionPolicy;
import dev.infrakit.core.Config;
import dev.infrakit.core.Providers;
import dev.infrakit.core.health.HealthCheck;
import dev.infrakit.core.notify.Notifier;
import dev.infrakit.core.schedule.ClusterLock;
import dev.infrakit.core.schedule.Schedule;
import dev.infrakit.core.schedule.ScheduledJob;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.env.Environment;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Backups from {@code infrakit.backup.*}, when infra-backup is on the class path and
 * {@code infrakit.backup.source} (or {@code .enabled=true}) is set: the {@link BackupSource} and
 * {@link BackupRepository} loaded through {@code Providers} ({@code source}: {@code postgres},
 * {@code directory}; {@code repository}: {@code local}, the default), a {@link BackupRunner} over
 * them with the configured retention, audited through the {@code AuditSink} bean and reporting to
 * the {@code Notifier} bean when there is one; with {@code infrakit.backup.schedule.every} or
 * {@code .cron}, a {@link ScheduledJob} running them (on its own daemon thread, stopped with the
 * context). Health: the source's and repository's checks and, when scheduled or
 * {@code infrakit.backup.rpo} is set, the freshness of the newest verified backup. Each bean is
 * replaced by an application's own of its type.
 */
@AutoConfiguration(after = {InfrakitAuditAutoConfiguration.class, InfrakitScheduleAutoConfiguration.class})
@ConditionalOnClass(BackupRunner.class)
@ConditionalOnInfrakit(prefix = "infrakit.backup", keys = "source")
@EnableConfigurationProperties(InfrakitBackupProperties.class)
public class InfrakitBackupAutoConfiguration {

    /** Created by Spring. */
    public InfrakitBackupAutoConfiguration() {
    }

    /**
     * What is backed up.
     *
     * @param environment read as Infrakit configuration
     * @return the source named by {@code infrakit.backup.source}
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public BackupSource infrakitBackupSource(Environment environment) {
        return Providers.load(BackupSourceProvider.class, EnvironmentConfig.of(environment));
    }

    /**
     * Where backups go.
     *
     * @param environment read as Infrakit configuration
     * @return the repository named by {@code infrakit.backup.repository} (default {@code local})
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public BackupRepository infrakitBackupRepository(Environment environment) {
        return Providers.load(BackupRepositoryProvider.class,
                ConfigValues.withDefault(EnvironmentConfig.of(environment), "infrakit.backup.repository", "local"));
    }

    /**
     * The runner.
     *
     * @param environment read as Infrakit configuration ({@code infrakit.backup.retention.*})
     * @param source what is backed up
     * @param repository where backups go
     * @param audit the audit sink, if there is one
     * @param notifier the notifier, if there is one
     * @return the runner
     */
    @Bean
    @ConditionalOnMissingBean
    public BackupRunner infrakitBackupRunner(Environment environment, BackupSource source, BackupRepository repository,
            ObjectProvider<AuditSink> audit, ObjectProvider<Notifier> notifier) {
        Config retention = EnvironmentConfig.of(environment).section("infrakit.backup.retention");
        BackupRunner.Builder builder = BackupRunner.builder(source, repository);
        if (retention.has("days") || retention.has("weeks") || retention.has("months") || retention.has("minimum")) {
            RetentionPolicy policy = ConfigValues.named(retention, "days", () -> RetentionPolicy.of(
                    retention.getInt("days", 30), retention.getInt("weeks", 12),
                    retention.getInt("months", 0), retention.getInt("minimum", 1)));
            builder.retention(policy);
        }
        AuditSink sink = audit.getIfUnique();
        if (sink != null) {
            builder.auditSink(sink);
        }
        Notifier channel = notifier.getIfUnique();
        if (channel != null) {
            builder.notifier(channel);
        }
        return builder.build();
    }

    /**
     * Scheduled backups; with a {@link ClusterLock} bean (see {@link InfrakitScheduleAutoConfiguration}),
     * run once across the instances sharing it, not once in each.
     *
     * @param environment read as Infrakit configuration ({@code infrakit.backup.schedule.*})
     * @param runner the runner in the context
     * @param lock the cluster lock, when the context has exactly one
     * @return the running schedule; closing it stops it and its thread
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean(name = "infrakitBackupSchedule")
    @Conditional(Scheduled.class)
    public ScheduledJob infrakitBackupSchedule(Environment environment, BackupRunner runner,
            ObjectProvider<ClusterLock> lock) {
        Config config = EnvironmentConfig.of(environment).section("infrakit.backup.schedule");
        Schedule schedule = ConfigValues.schedule(config).orElseThrow();
        BackupKind kind = config.getEnum("kind", BackupKind.class, BackupKind.DAILY);
        ClusterLock shared = lock.getIfUnique();
        return OwnedThreadJob.start("infrakit-backup", executor -> shared == null
                ? runner.schedule(schedule, kind, executor)
                : runner.schedule(schedule, kind, executor, shared));
    }

    /**
     * The health checks of the source, the repository and, when scheduled or
     * {@code infrakit.backup.rpo} is set, the freshness of the newest verified backup.
     *
     * @param environment read as Infrakit configuration
     * @param source the source in the context
     * @param repository the repository in the context
     * @param runner the runner in the context
     * @return the checks
     */
    @Bean
    @ConditionalOnMissingBean(name = "infrakitBackupHealthChecks")
    public HealthCheckSource infrakitBackupHealthChecks(Environment environment, ObjectProvider<BackupSource> source,
            ObjectProvider<BackupRepository> repository, ObjectProvider<BackupRunner> runner) {
        Config backup = EnvironmentConfig.of(environment).section("infrakit.backup");
        Optional<Duration> rpo = backup.has("rpo") ? Optional.of(backup.getDuration("rpo"))
                : ConfigValues.schedule(backup.section("schedule")).map(s -> {
                    Duration interval = s.interval(Clock.systemUTC().instant());
                    return interval.plus(interval.dividedBy(2));
                });
        return () -> {
            List<HealthCheck> checks = new ArrayList<>();
            source.orderedStream().forEach(s -> s.healthCheck().ifPresent(checks::add));
            repository.orderedStream().forEach(r -> r.healthCheck().ifPresent(checks::add));
            rpo.ifPresent(limit -> runner.orderedStream().forEach(r -> checks.add(r.freshnessCheck(limit))));
            return checks;
        };
    }

    /** {@code infrakit.backup.schedule.every} or {@code .cron} is set. */
    static final class Scheduled extends AnyNestedCondition {

        Scheduled() {
            super(ConfigurationPhase.REGISTER_BEAN);
        }

        @ConditionalOnProperty(prefix = "infrakit.backup.schedule", name = "every")
        static final class Every {
        }

        @ConditionalOnProperty(prefix = "infrakit.backup.schedule", name = "cron")
        static final class Cron {
        }
    }
}
