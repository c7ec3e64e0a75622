package dev.infrakit.examples;

import java.io.PrintStream;
import java.util.List;
import java.util.Optional;

/**
 * A {@code --redis-url}: {@code redis://[:password@]host:port}, {@code rediss://} (TLS),
 * {@code redis-sentinel://[:password@]host:port[,host:port]#primary} or
 * {@code redis-cluster://[:password@]host1:port1,host2:port2} (and {@code rediss-cluster://}),
 * given on the command line, as the first line of {@code --redis-url-file}, or as
 * {@code INFRAKIT_REDIS_URL}. Only the scheme is checked here; the store's provider parses the rest
 * and names the flag's setting, never its value. {@code toString()} never shows the URL (it may hold
 * a password).
 */
final class RedisUrl {
    static final List<String> SCHEMES = List.of("redis://", "rediss://", "redis-sentinel://", "redis-cluster://",
            "rediss-cluster://");

    private final String text;

    private RedisUrl(String text) {
        this.text = text;
    }

    /**
     * The URL of flag {@code --<flag>}, from the command line, its {@code -file} or the environment
     * (folded into {@code a}); one of the first two at most. Warns on {@code err} (never showing the
     * password) when a password arrived on the command line.
     *
     * @throws Args.UsageException if both are given, the file cannot be read or the scheme is none of
     *     {@link #SCHEMES}
     */
    static Optional<RedisUrl> from(Args a, String flag, PrintStream err) {
        Optional<String> inline = a.get(flag);
        Optional<String> given = JdbcUrl.inlineOrFile(a, flag);
        if (given.isEmpty()) {
            return Optional.empty();
        }
        String text = given.get().strip();
        if (SCHEMES.stream().noneMatch(text::startsWith)) {
            // Not the value: it may hold a password.
            throw new Args.UsageException("--" + flag + " is redis://host:port, rediss://host:port, "
                    + "redis-sentinel://host:port#primary or redis-cluster://host1:port1,host2:port2 (value not shown)");
        }
        if (text.contains("@") && inline.isPresent() && a.fromCommandLine(flag)) {
            err.println("warning: --" + flag + " carries a password on the command line, where every local user can "
                    + "read it (ps); use --" + flag + "-file FILE or " + Args.envName(flag) + " instead");
        }
        return Optional.of(new RedisUrl(text));
    }

    /** The URL itself, for the store's configuration only. */
    String text() {
        return text;
    }

    /** Whether it names a Redis Cluster's seed nodes. */
    boolean cluster() {
        return text.contains("-cluster://");
    }

    @Override
    public String toString() {
        return text.substring(0, text.indexOf("://") + 3) + "…";
    }
}
