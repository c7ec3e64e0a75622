package dev.infrakit.examples;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@code jdbc:postgresql://host[:port]/database?user=…&password=…} URL taken apart, so that the
 * PostgreSQL tools get the host, port, database and user as arguments and the password only
 * through their environment. {@code toString()} hides the password.
 */
final class JdbcUrl {
    final String host;
    final int port;
    final String database;
    final String user;
    final String password;
    final String url;

    private JdbcUrl(String host, int port, String database, String user, String password, String url) {
        this.host = host;
        this.port = port;
        this.database = database;
        this.user = user;
        this.password = password;
        this.url = url;
    }

    static JdbcUrl parse(String flag, String url) {
        String prefix = "jdbc:postgresql://";
        if (url == null || !url.startsWith(prefix)) {
            throw new Args.UsageException("--" + flag + " must be jdbc:postgresql://host[:port]/database?user=…");
        }
        String rest = url.substring(prefix.length());
        String query = "";
        int q = rest.indexOf('?');
        if (q >= 0) {
            query = rest.substring(q + 1);
            rest = rest.substring(0, q);
        }
        int slash = rest.indexOf('/');
        if (slash <= 0 || slash == rest.length() - 1) {
            throw new Args.UsageException("--" + flag + " names no host or database");
        }
        String hostPort = rest.substring(0, slash);
        String database = rest.substring(slash + 1);
        String host = hostPort;
        int port = 5432;
        int colon = hostPort.lastIndexOf(':');
        if (colon > 0) {
            host = hostPort.substring(0, colon);
            try {
                port = Integer.parseInt(hostPort.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new Args.UsageException("--" + flag + " has a port that is not a number");
            }
        }
        Map<String, String> params = new LinkedHashMap<>();
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                params.put(pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        String user = params.get("user");
        if (user == null || user.isEmpty()) {
            throw new Args.UsageException("--" + flag + " names no user (?user=…)");
        }
        return new JdbcUrl(host, port, database, user, params.get("password"), url);
    }

    @Override
    public String toString() {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database + "?user=" + user
                + (password == null ? "" : "&password=****");
    }
}
