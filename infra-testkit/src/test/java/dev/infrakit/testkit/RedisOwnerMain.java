package dev.infrakit.testkit;

/**
 * A JVM that starts a dedicated Redis, prints {@code READY <port>} and waits to be killed:
 * {@link EphemeralRedisIT} kills it with SIGKILL and checks the server went with it.
 */
public final class RedisOwnerMain {
    private RedisOwnerMain() {
    }

    public static void main(String[] args) throws Exception {
        EphemeralRedis redis = EphemeralRedis.start();
        System.out.println("READY " + redis.port());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
