package dev.infrakit.examples;

import dev.infrakit.backup.PostgresClientBuilder;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A {@code jdbc:postgresql://host[:port]/database?user=…&password=…&sslmode=…} URL taken apart, so
 * that the PostgreSQL tools get the host, port, database and user as arguments, the password only
 * through their environment, and the TLS settings alike for JDBC and the tools.
 *
 * <p>Parameters other than {@link #PARAMETERS} are refused, naming them, rather than dropped: a
 * dropped {@code ssl=true} would have connected without TLS. The database must be a plain name: a
 * name that looks like a connection string or URI ({@code postgresql://other/db}) is refused, since
 * libpq would take a host and port from it. Where a URL leaves them out, {@code PGPASSWORD},
 * {@code PGSSLMODE}, {@code PGSSLROOTCERT}, {@code PGSSLCERT} and {@code PGSSLKEY} from the
 * environment apply, as libpq applies them. {@code toString()} hides the password.
 */
final class JdbcUrl {
    /** The URL parameters understood. */
    static final List<String> PARAMETERS = List.of("user", "password", "sslmode", "sslrootcert", "sslcert", "sslkey");
    private static final List<String> SSL_MODES = List.of("disable", "allow", "prefer", "require", "verify-ca",
            "verify-full");

    final String host;
    final int port;
    final String database;
    final String user;
    final String password;
    final String sslMode;
    final String sslRootCert;
    final String sslCert;
    final String sslKey;
    /** Whether the password was in the URL itself (not from PGPASSWORD). */
    private final boolean passwordInUrl;

    private JdbcUrl(String host, int port, String database, String user, String password, boolean passwordInUrl,
            Map<String, String> tls) {
        this.passwordInUrl = passwordInUrl;
        this.host = host;
        this.port = port;
        this.database = database;
        this.user = user;
        this.password = password;
        this.sslMode = tls.get("sslmode");
        this.sslRootCert = tls.get("sslrootcert");
        this.sslCert = tls.get("sslcert");
        this.sslKey = tls.get("sslkey");
    }

    /**
     * The URL of flag {@code --<flag>}: from the command line, from the file named by
     * {@code --<flag>-file} (its first line), or from {@code INFRAKIT_<FLAG>} (already folded into
     * {@code a} by {@link Args}); one of the first two at most. Prints a one-line warning (never the
     * password) to {@code err} when a password arrived on the command line, where every local user
     * can read it.
     *
     * @return the URL, or empty when none was given
     * @throws Args.UsageException if both the flag and its file are given, the file cannot be read,
     *     or the URL is not valid
     */
    static Optional<JdbcUrl> from(Args a, String flag, Map<String, String> env, PrintStream err) {
        Optional<String> inline = a.get(flag);
        Optional<String> given = inlineOrFile(a, flag);
        if (given.isEmpty()) {
            return Optional.empty();
        }
        JdbcUrl url = parse(flag, given.get(), env);
        if (url.passwordInUrl && inline.isPresent() && a.fromCommandLine(flag)) {
            err.println("warning: --" + flag + " carries a password on the command line, where every local user can "
                    + "read it (ps); use --" + flag + "-file FILE, " + Args.envName(flag) + " or PGPASSWORD instead");
        }
        return Optional.of(url);
    }

    /** As {@link #from}, for a URL that is required. */
    static JdbcUrl require(Args a, String flag, Map<String, String> env, PrintStream err) {
        return from(a, flag, env, err).orElseThrow(() -> new Args.UsageException("--" + flag + " (or --" + flag
                + "-file FILE, or " + Args.envName(flag) + ") is required"));
    }

    /**
     * The value of {@code --<flag>}, or the first non-blank line of the file named by
     * {@code --<flag>-file}; empty when neither is given.
     *
     * @throws Args.UsageException if both are given, or the file cannot be read or is blank
     */
    static Optional<String> inlineOrFile(Args a, String flag) {
        Optional<String> inline = a.get(flag);
        Optional<String> file = a.get(flag + "-file");
        if (inline.isPresent() && file.isPresent()) {
            throw new Args.UsageException("give --" + flag + " or --" + flag + "-file, not both");
        }
        return file.isPresent() ? Optional.of(readFirstLine(flag, Path.of(file.get()))) : inline;
    }

    private static String readFirstLine(String flag, Path file) {
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    return line.strip();
                }
            }
            throw new Args.UsageException("--" + flag + "-file " + file + " holds no URL");
        } catch (IOException e) {
            throw new Args.UsageException("--" + flag + "-file " + file + " cannot be read: " + e.getMessage());
        }
    }

    /** Parses a URL, taking PGPASSWORD and the PGSSL* variables from {@code env} where it has none. */
    static JdbcUrl parse(String flag, String url, Map<String, String> env) {
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
        String database = URLDecoder.decode(rest.substring(slash + 1), StandardCharsets.UTF_8);
        if (database.contains("/") || database.contains("=") || database.startsWith("-") || database.isBlank()) {
            throw new Args.UsageException("--" + flag + " names the database '" + database + "', which looks like a "
                    + "connection string or URI, not a database name: give a plain name (the PostgreSQL tools would "
                    + "take a host and port from it)");
        }
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
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            if (!PARAMETERS.contains(name)) {
                throw new Args.UsageException("--" + flag + " has the parameter '" + name + "', which this tool does "
                        + "not understand (it takes " + String.join(", ", PARAMETERS) + ")");
            }
            if (eq < 0) {
                throw new Args.UsageException("--" + flag + " has the parameter '" + name + "' without a value");
            }
            if (params.put(name, URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8)) != null) {
                throw new Args.UsageException("--" + flag + " has the parameter '" + name + "' twice");
            }
        }
        String user = params.get("user");
        if (user == null || user.isEmpty()) {
            throw new Args.UsageException("--" + flag + " names no user (?user=…)");
        }
        Map<String, String> tls = new LinkedHashMap<>();
        for (String setting : List.of("sslmode", "sslrootcert", "sslcert", "sslkey")) {
            String value = params.get(setting);
            String fromEnv = env.get("PG" + setting.toUpperCase(java.util.Locale.ROOT));
            if (value == null && fromEnv != null && !fromEnv.isEmpty()) {
                value = fromEnv;
            }
            if (value != null) {
                tls.put(setting, value);
            }
        }
        tls.putIfAbsent("sslmode", "prefer");
        if (!SSL_MODES.contains(tls.get("sslmode"))) {
            throw new Args.UsageException("--" + flag + " has sslmode '" + tls.get("sslmode") + "' (from "
                    + (params.containsKey("sslmode") ? "the URL" : "PGSSLMODE") + "); it is one of "
                    + String.join(", ", SSL_MODES));
        }
        String password = params.get("password");
        String envPassword = env.get("PGPASSWORD");
        return new JdbcUrl(host, port, database, user,
                password != null ? password : envPassword == null || envPassword.isEmpty() ? null : envPassword,
                password != null, tls);
    }

    /**
     * The URL for a connection pool: host, port, database and the TLS settings; the user and
     * password go to the pool separately.
     */
    String poolUrl() {
        StringBuilder b = new StringBuilder("jdbc:postgresql://").append(host).append(':').append(port).append('/')
                .append(URLEncoder.encode(database, StandardCharsets.UTF_8).replace("+", "%20"))
                .append("?sslmode=").append(sslMode);
        appendParameter(b, "sslrootcert", sslRootCert);
        appendParameter(b, "sslcert", sslCert);
        appendParameter(b, "sslkey", sslKey);
        return b.toString();
    }

    private static void appendParameter(StringBuilder b, String name, String value) {
        if (value != null) {
            b.append('&').append(name).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8));
        }
    }

    /** Sets host, port, user, password and the TLS settings on a PostgreSQL tool's builder. */
    <B extends PostgresClientBuilder<B>> B applyTo(B builder) {
        builder.host(host).port(port).user(user).sslMode(sslMode);
        if (password != null) {
            builder.password(password);
        }
        if (sslRootCert != null) {
            builder.sslRootCert(Path.of(sslRootCert));
        }
        if (sslCert != null) {
            builder.sslCert(Path.of(sslCert));
        }
        if (sslKey != null) {
            builder.sslKey(Path.of(sslKey));
        }
        return builder;
    }

    @Override
    public String toString() {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database + "?user=" + user
                + (password == null ? "" : "&password=****") + "&sslmode=" + sslMode;
    }
}
