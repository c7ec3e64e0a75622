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
        if (text.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            // A URL has no control characters: NUL or a line break is an attack or a paste error.
            throw new Args.UsageException("--" + flag + " is not a valid Redis URL: it holds a control character "
                    + "(value not shown)");
        }
        if (SCHEMES.stream().noneMatch(text::startsWith)) {
            // Not the value: it may hold a password.
            throw new Args.UsageException("--" + flag + " is redis://host:port, rediss://host:port, "
                    + "redis-sentinel://host:port#primary or redis-cluster://host1:port1,host2:port2 (value not shown)");
        }
        if (!nodesValid(text)) {
            throw new Args.UsageException("--" + flag + " is not a valid Redis URL: every node is host[:port] with a "
                    + "port from 1 to 65535 (value not shown)");
        }
        if (text.contains("@") && inline.isPresent() && a.fromCommandLine(flag)) {
            err.println("warning: --" + flag + " carries a password on the command line, where every local user can "
                    + "read it (ps); use --" + flag + "-file FILE or " + Args.envName(flag) + " instead");
        }
        return Optional.of(new RedisUrl(text));
    }

    /**
     * Whether each node of the authority ({@code host[:port]}, comma-separated for a cluster's or
     * the sentinels' nodes, after any {@code user:password@}) names a host and a port of 1 to 65535.
     */
    private static boolean nodesValid(String text) {
        String rest = text.substring(text.indexOf("://") + 3);
        int end = rest.length();
        for (char c : new char[] {'/', '?', '#'}) {
            int at = rest.indexOf(c, rest.lastIndexOf('@') + 1);
            if (at >= 0) {
                end = Math.min(end, at);
            }
        }
        String authority = rest.substring(0, end);
        for (String node : authority.substring(authority.lastIndexOf('@') + 1).split(",", -1)) {
            String host = node;
            String port = null;
            int bracket = node.lastIndexOf(']');
            int colon = node.lastIndexOf(':');
            if (colon > bracket) {
                host = node.substring(0, colon);
                port = node.substring(colon + 1);
            }
            if (host.isBlank() || (port != null && !(port.matches("[0-9]{1,5}") && Integer.parseInt(port) >= 1
                    && Integer.parseInt(port) <= 65535))) {
                return false;
            }
        }
        return true;
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
