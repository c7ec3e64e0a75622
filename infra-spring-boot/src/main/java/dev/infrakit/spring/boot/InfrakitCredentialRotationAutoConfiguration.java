package dev.infrakit.spring.boot;

import dev.infrakit.core.Config;
import dev.infrakit.core.schedule.ClusterLock;
import dev.infrakit.core.schedule.Schedule;
import dev.infrakit.core.schedule.ScheduledJob;
import dev.infrakit.credentials.rotation.RotationEngine;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * Scheduled rotation of the credentials the application's {@link RotationEngine} bean rotates:
 * with {@code infrakit.credentials.rotation.names} (the credentials) and
 * {@code infrakit.credentials.rotation.every} or {@code .cron} (when), a {@link ScheduledJob}
 * named {@value #CREDENTIAL_ROTATION} rotating each on that schedule
 * ({@link RotationEngine#schedule(String, Schedule, java.util.concurrent.ScheduledExecutorService, ClusterLock)}).
 * With a {@link ClusterLock} bean ({@code infrakit.schedule.lock}) each due rotation runs in one
 * instance: the others find the lock held, or the credential already rotated for that slot, and
 * skip it, so N instances rotate once, not N times. The job runs on a daemon thread of its own,
 * stopped with the context.
 */
@AutoConfiguration(after = {InfrakitCredentialsAutoConfiguration.class, InfrakitScheduleAutoConfiguration.class})
@ConditionalOnClass(RotationEngine.class)
@ConditionalOnBean(RotationEngine.class)
@ConditionalOnProperty(prefix = "infrakit.credentials.rotation", name = "names")
public class InfrakitCredentialRotationAutoConfiguration {
    /** The rotation job's bean name. */
    public static final String CREDENTIAL_ROTATION = "infrakitCredentialRotation";

    /** Created by Spring. */
    public InfrakitCredentialRotationAutoConfiguration() {
    }

    /**
     * The scheduled rotations.
     *
     * @param environment read as Infrakit configuration ({@code infrakit.credentials.rotation.*})
     * @param engine the application's rotation engine
     * @param lock the cluster lock, when the context has exactly one
     * @return one job over every credential's schedule; closing it stops them and their thread
     */
    @Bean(name = CREDENTIAL_ROTATION, destroyMethod = "close")
    @ConditionalOnMissingBean(name = CREDENTIAL_ROTATION)
    public ScheduledJob infrakitCredentialRotation(Environment environment, RotationEngine engine,
            ObjectProvider<ClusterLock> lock) {
        Config config = EnvironmentConfig.of(environment).section("infrakit.credentials.rotation");
        Set<String> names = new LinkedHashSet<>();
        for (String name : config.getList("names")) {
            if (name.isBlank() || !names.add(name.strip())) {
                throw config.invalid("names", name.isBlank() ? "expected credential names, not a blank one"
                        : "expected each credential once");
            }
        }
        if (names.isEmpty()) {
            throw config.invalid("names", "expected at least one credential name");
        }
        Schedule schedule = ConfigValues.schedule(config)
                .orElseThrow(() -> config.invalid("every", "expected every (a period) or cron, to rotate " + names));
        ClusterLock shared = lock.getIfUnique();
        return OwnedThreadJob.start("infrakit-credential-rotation", executor -> {
            List<ScheduledJob> jobs = new ArrayList<>();
            try {
                for (String name : names) {
                    jobs.add(ConfigValues.named(config, "names", () -> shared == null
                            ? engine.schedule(name, schedule, executor)
                            : engine.schedule(name, schedule, executor, shared)));
                }
            } catch (RuntimeException e) {
                jobs.forEach(ScheduledJob::cancel);
                throw e;
            }
            return new ScheduledJobs("credential rotation of " + names, jobs);
        });
    }
}
