package dev.infrakit.core.internal;

import dev.infrakit.core.Config;
import dev.infrakit.core.DataSources;
import dev.infrakit.core.schedule.ClusterLock;
import dev.infrakit.core.schedule.ClusterLockProvider;
import dev.infrakit.core.schedule.LocalClusterLock;
import dev.infrakit.core.schedule.PostgresClusterLock;

/** The {@link ClusterLockProvider}s infra-core registers with ServiceLoader. */
public final class BuiltInClusterLocks {
    private BuiltInClusterLocks() {
    }

    /** {@code local}: a {@link LocalClusterLock} (this JVM only). */
    public static final class Local implements ClusterLockProvider {
        @Override
        public String name() {
            return "local";
        }

        @Override
        public String description() {
            return "Excludes scheduled runs within this JVM only (one instance)";
        }

        @Override
        public ClusterLock create(Config config) {
            return LocalClusterLock.create();
        }
    }

    /**
     * {@code postgres}: keys under {@code infrakit.schedule.postgres}: the pool ({@code url},
     * {@code username}, {@code password}, {@code pool-size}, … as {@link DataSources} reads them)
     * and {@code namespace} (default {@code infrakit}). Closing the lock closes its pool.
     */
    public static final class Postgres implements ClusterLockProvider {
        @Override
        public String name() {
            return "postgres";
        }

        @Override
        public String description() {
            return "PostgreSQL transaction-level advisory locks (PgBouncer transaction pooling safe)";
        }

        @Override
        public ClusterLock create(Config config) {
            Config pg = config.section("infrakit.schedule.postgres");
            String namespace = pg.getString("namespace", "infrakit");
            try {
                ClusterLock.checkName(namespace);
            } catch (IllegalArgumentException e) {
                throw pg.invalid("namespace", e.getMessage());
            }
            return DataSources.withPool(pg, pool -> PostgresClusterLock.builder(pool).namespace(namespace)
                    .closeOnClose(pool).build());
        }
    }
}
