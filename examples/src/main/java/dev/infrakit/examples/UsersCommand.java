package dev.infrakit.examples;

import com.zaxxer.hikari.HikariDataSource;
import dev.infrakit.audit.Actor;
import dev.infrakit.audit.AuditEvent;
import dev.infrakit.audit.PostgresAuditSink;
import dev.infrakit.audit.Resource;
import dev.infrakit.core.Config;
import dev.infrakit.core.DataSources;
import dev.infrakit.core.http.ClientAddress;
import dev.infrakit.auth.LoginThrottle;
import dev.infrakit.ratelimit.FailurePolicy;
import dev.infrakit.ratelimit.PostgresRateLimitStore;
import dev.infrakit.ratelimit.RateLimitStore;

import java.io.PrintStream;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code users unlock --jdbc-url URL [--redis-url URL] --address ADDR NAME}: lifts a user's login
 * lock for one network (and the user's login delays) in the login counters that instances started
 * with the same {@code --jdbc-url} share: in Redis when they were started with {@code --redis-url}
 * (give the same one here), else in the database. A service without {@code --jdbc-url} keeps its
 * audit in files, out of this command's reach: use its {@code POST /api/v1/users/{name}/unlock}.
 */
final class UsersCommand {
    static final String USAGE = String.join("\n",
            "  users unlock --jdbc-url URL [--redis-url URL] --master-key-file FILE --address ADDR [--ipv6-prefix 64] NAME",
            "    (lifts NAME's login lock for ADDR's network, an IPv4 address or IPv6 /64 as the service counts it,",
            "     and NAME's login delays, for every instance sharing the database; in Redis when the services",
            "     run with --redis-url: give the same one; an embedded service keeps its counters to itself:",
            "     there, POST /api/v1/users/NAME/unlock {\"address\": ADDR} as admin;",
            "     recorded as user.unlocked in the service's audit table, before and after, chain key from FILE)");

    private UsersCommand() {
    }

    /** {@code users unlock}. */
    static Cli.Command command() {
        return new Cli.Command("users", USAGE, null)
                .sub(new Cli.Command("unlock", USAGE, (a, env, in, out, err) -> unlock(a, env, out, err))
                        .value("jdbc-url", "URL", "The database the services share.")
                        .value("jdbc-url-file", "FILE", "The --jdbc-url from the first line of FILE.")
                        .value("redis-url", "URL", "The Redis the services keep login budgets in (serve --redis-url).")
                        .value("redis-url-file", "FILE", "The --redis-url from the first line of FILE.")
                        .value("master-key-file", "FILE", "The services' master key (the audit chain key).")
                        .value("address", "ADDR", "The network to unlock: an IPv4 or IPv6 address.")
                        .value("ipv6-prefix", "BITS", "IPv6 prefix the services count by, 16 to 128 (default 64).")
                        .arguments("NAME", "The user to unlock.", false));
    }

    static int unlock(Args a, Map<String, String> env, PrintStream out, PrintStream err) {
        if (a.get("jdbc-url").isEmpty() && a.get("jdbc-url-file").isEmpty()) {
            throw new Args.UsageException("users unlock needs --jdbc-url: a service without it keeps its login counters "
                    + "in its own memory; unlock there with POST /api/v1/users/NAME/unlock");
        }
        if (a.positional().size() != 1) {
            throw new Args.UsageException("users unlock needs exactly one user name, got " + a.positional().size());
        }
        String name = a.positional().get(0);
        int prefix = a.intValue("ipv6-prefix", 64);
        if (prefix < 16 || prefix > 128) {
            throw new Args.UsageException("--ipv6-prefix is 16 to 128 bits, got " + prefix);
        }
        ClientAddress network;
        try {
            network = ClientAddress.resolver().ipv6PrefixLength(prefix).build().parse(a.require("address"));
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException("--address: " + e.getMessage());
        }
        // An admin action is recorded before it takes effect: no audit key, no unlock.
        byte[] chainKey = AuditCommand.chainKey(dev.infrakit.credentials.MasterKey.fromFile(java.nio.file.Path.of(
                a.require("master-key-file"))));
        JdbcUrl url = JdbcUrl.require(a, "jdbc-url", env, err);
        RedisUrl redis = RedisUrl.from(a, "redis-url", err).orElse(null);
        Map<String, String> pool = new HashMap<>(Map.of("url", url.poolUrl(), "username", url.user, "pool-size", "1"));
        if (url.password != null) {
            pool.put("password", url.password);
        }
        try (HikariDataSource ds = DataSources.create(Config.of(pool));
             // Where the services keep the counters: Redis with serve --redis-url, else their database.
             RateLimitStore store = redis != null ? DemoStores.redis(redis, "fail-closed")
                     : PostgresRateLimitStore.builder(ds).failurePolicy(FailurePolicy.FAIL_CLOSED).build();
             PostgresAuditSink audit = PostgresAuditSink.builder(ds, chainKey).build()) {
            String operator = "cli:" + System.getProperty("user.name", "unknown");
            java.util.function.Supplier<AuditEvent.Builder> event = () -> AuditEvent.builder(AuditEvent.Category.ADMIN,
                    "user.unlocked").actor(Actor.service(operator)).action("unlock")
                    .resource(Resource.of("user", name.trim().toLowerCase(java.util.Locale.ROOT)))
                    .detail("network", network.budgetKey());
            AuditEvent pending = event.get().outcome(AuditEvent.Outcome.PENDING).build();
            audit.record(pending);
            try {
                LoginThrottle.builder().store(store).build().unlock(name, network);
            } catch (RuntimeException e) {
                audit.record(event.get().follows(pending).outcome(AuditEvent.Outcome.FAILURE)
                        .severity(AuditEvent.Severity.WARN).reason(e.getClass().getSimpleName()).build());
                throw e;
            }
            audit.record(event.get().follows(pending).build());
        }
        out.println("unlocked " + name.trim().toLowerCase(java.util.Locale.ROOT) + " for " + network.budgetKey());
        return 0;
    }
}
