package dev.infrakit.spring.boot;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code infrakit.schedule.*}: the {@code ClusterLock} bean, loaded through {@code Providers} (the lock named by {@code lock}), under which scheduled jobs run once across instances. The pool keys under {@code postgres} are those every Infrakit PostgreSQL pool reads. Values are checked by Infrakit, whose errors name the key.
 */
@ConfigurationProperties(prefix = "infrakit.schedule")
public class InfrakitScheduleProperties {

    /** The lock: postgres (advisory locks, shared by every instance using the database) or local (one JVM). */
    private String lock;

    /** With lock=postgres: the lock's database. */
    private final Postgres postgres = new Postgres();

    /** Created by Spring. */
    public InfrakitScheduleProperties() {
    }

    /** @return the lock: postgres (advisory locks, shared by every instance using the database) or local (one JVM) */
    public String getLock() {
        return lock;
    }

    /** @param lock the lock: postgres (advisory locks, shared by every instance using the database) or local (one JVM) */
    public void setLock(String lock) {
        this.lock = lock;
    }

    /** @return with lock=postgres: the lock's database */
    public Postgres getPostgres() {
        return postgres;
    }

    /** {@code infrakit.schedule.postgres.*}. */
    public static class Postgres extends InfrakitPoolProperties {

        /** Separates the locks of services sharing one database (default infrakit). */
        private String namespace;

        /** Created by Spring. */
        public Postgres() {
        }

        /** @return what separates the locks of services sharing one database (default infrakit) */
        public String getNamespace() {
            return namespace;
        }

        /** @param namespace what separates the locks of services sharing one database (default infrakit) */
        public void setNamespace(String namespace) {
            this.namespace = namespace;
        }
    }
}
