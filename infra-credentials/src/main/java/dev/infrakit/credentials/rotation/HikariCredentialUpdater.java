package dev.infrakit.credentials.rotation;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import dev.infrakit.credentials.Secret;
import dev.infrakit.credentials.SecretValue;

import java.util.Objects;

/**
 * Points a HikariCP pool at a rotated credential without a restart: after a rotation of the
 * credential it sets the pool's username (if the value has one, as with alternating users) and
 * password in one atomic step, then soft-evicts the pool's connections, so idle ones are closed now and busy ones when
 * returned, and every new connection logs in with the new credentials. Register it with
 * {@link RotationEngine#addListener}. Thread-safe.
 */
public final class HikariCredentialUpdater implements RotationListener {
    private final String name;
    private final HikariDataSource pool;

    private HikariCredentialUpdater(String name, HikariDataSource pool) {
        this.name = Objects.requireNonNull(name, "name");
        this.pool = Objects.requireNonNull(pool, "pool");
    }

    /** Updates {@code pool} when the credential {@code name} is rotated. */
    public static HikariCredentialUpdater of(String name, HikariDataSource pool) {
        return new HikariCredentialUpdater(name, pool);
    }

    @Override
    public void rotated(String rotatedName, Secret previous, Secret current) {
        if (name.equals(rotatedName)) {
            update(current.value());
        }
    }

    /**
     * Sets the pool's credentials to {@code value}'s {@code username} (if present) and
     * {@code password}, and soft-evicts its connections.
     *
     * @throws IllegalArgumentException if {@code value} has no password field
     */
    public void update(SecretValue value) {
        String password = value.password().orElseThrow(() -> new IllegalArgumentException(
                "The credential '" + name + "' has no 'password' field for the pool"));
        // One atomic swap of the pair (HikariCP's Credentials): a connection opened meanwhile never
        // logs in with the new user name and the old password.
        com.zaxxer.hikari.HikariConfigMXBean config = pool.getHikariConfigMXBean();
        config.setCredentials(com.zaxxer.hikari.util.Credentials.of(value.username().orElse(pool.getUsername()),
                password));
        HikariPoolMXBean running = pool.getHikariPoolMXBean();
        if (running != null) {
            running.softEvictConnections();
        }
    }

    @Override
    public String toString() {
        return "HikariCredentialUpdater[" + name + " -> " + pool.getPoolName() + "]";
    }
}
