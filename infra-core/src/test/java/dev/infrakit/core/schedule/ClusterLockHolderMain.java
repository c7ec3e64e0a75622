package dev.infrakit.core.schedule;

import com.zaxxer.hikari.HikariDataSource;
import dev.infrakit.core.Config;
import dev.infrakit.core.DataSources;

import java.util.Map;

/**
 * A child JVM that takes a {@link PostgresClusterLock} and holds it until it is killed: prints
 * {@code HOLDING} once its task runs. Arguments: JDBC URL, user, lock name; the password comes in
 * the {@code INFRAKIT_TEST_DB_PASSWORD} environment variable, never on the command line.
 */
public final class ClusterLockHolderMain {
    private ClusterLockHolderMain() {
    }

    public static void main(String[] args) throws Exception {
        HikariDataSource pool = DataSources.create(Config.of(Map.of("url", args[0], "username", args[1],
                "password", System.getenv("INFRAKIT_TEST_DB_PASSWORD"), "pool-size", "1")));
        PostgresClusterLock lock = PostgresClusterLock.builder(pool).build();
        boolean ran = lock.runExclusively(args[2], () -> {
            System.out.println("HOLDING");
            System.out.flush();
            try {
                Thread.sleep(Long.MAX_VALUE);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        System.out.println(ran ? "RELEASED" : "REFUSED");
    }
}
