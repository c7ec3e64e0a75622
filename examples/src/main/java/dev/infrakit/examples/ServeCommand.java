package dev.infrakit.examples;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/** {@code serve}: the demo service, until SIGTERM (or Ctrl-C) stops it cleanly. */
final class ServeCommand {
    static final String USAGE = String.join("\n",
            "  serve [--port 8080] [--data-dir ./data] [--master-key-file FILE] [--rate-client 600/1m]",
            "        [--rate-anonymous 20/15m]",
            "        [--rate-user 100/15m] [--rate-admin 200/15m] [--drain 2s] [--read-timeout 10s] [--max-body 65536]",
            "        [--token-ttl 15m]",
            "        [--slowdown-after N --slowdown-step 500ms --slowdown-max 20s] [--trust-proxy] [--ipv6-prefix 64]",
            "        [--no-token-cache]   (verify every bearer token's signature on every request)",
            "        [--warm-up 5s]   (exercise the hot paths in a throwaway instance before /health/ready turns",
            "         200, so the first requests find them compiled; 0s: ready at once)",
            "        [--max-api-keys 10] [--token-key-rotation 30d|off] [--token-key-grace 10m]",
            "        (token signing keys: a new key every --token-key-rotation, published at",
            "         /.well-known/jwks.json --token-key-grace before it signs; old keys stay published",
            "         while tokens they signed live)",
            "        [--alert-webhook URL]",
            "        [(--jdbc-url URL | --jdbc-url-file FILE) [--backup-repo DIR [--backup-every 1h] [--backup-retention daily=7,weekly=4,...]]]",
            "        (backups are never deleted unless --backup-retention is given: GFS counts daily=N, weekly=N,",
            "         monthly=N, last=N, comma-separated, each at most once; unnamed counts are 0, last is 1)",
            "        [--backup-mode dumps|continuous]",
            "        (dumps: pg_dump of the database; continuous: base backups of the whole server on the same",
            "         schedule and its WAL archived as it is written (slot infrakit_demo, spool <data-dir>/wal-spool,",
            "         7 days of WAL kept with --backup-retention): restore to any point with backup restore --data-dir)",
            "        [--backup-offsite s3://bucket/prefix|DIR [--s3-endpoint URL] [--s3-region R] [--s3-path-style]",
            "         [--s3-checksums-when-required]]",
            "        (each backup also copied there, encrypted under a key derived from the master key, and read",
            "         back before it counts; S3 credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or the AWS",
            "         default chain; read them with backup list|verify|restore --repo … --master-key-file FILE)",
            "        [--audit-checkpoint-key FILE] [--audit-checkpoints FILE]",
            "        (audit checkpoints: signed every 10 s and on stop with the P-256 key FILE, default",
            "         <data-dir>/audit-checkpoint.key, public key beside it as .pub, generated when missing;",
            "         copies kept in --audit-checkpoints, default <data-dir>/audit-checkpoints: put both",
            "         outside the audit directory, best on another volume)",
            "        [--redis-url URL | --redis-url-file FILE]",
            "        (with --jdbc-url: credentials, users, keys, limits and audit in PostgreSQL; instances",
            "         sharing the database must share the master key; with --redis-url: rate limits and login",
            "         budgets in Redis instead, redis://host:port, rediss://, redis-sentinel://host:port#primary",
            "         or redis-cluster://host1:port1,host2:port2, alone or beside --jdbc-url)",
            "        (admin password on first start: INFRAKIT_ADMIN_PASSWORD, or generated and printed once;",
            "         later ignored, change it with admin reset-password; master key:",
            "         --master-key-file, INFRAKIT_MASTER_KEY, or generated into <data-dir>/master.key)");

    /** How long {@code serve} warms its hot paths before it reports ready, unless {@code --warm-up} says otherwise. */
    static final Duration DEFAULT_WARM_UP = Duration.ofSeconds(5);

    private ServeCommand() {
    }

    static DemoService.Settings settings(List<String> args, Map<String, String> env) {
        return settings(args, env, System.err);
    }

    /** The settings; a warning (such as a password in argv) goes to {@code err}. */
    static DemoService.Settings settings(List<String> args, Map<String, String> env, PrintStream err) {
        return settings(Args.parse(command().spec, args, env), env, err);
    }

    /** The options of {@code serve}. */
    static Cli.Command command() {
        return BackupRepositories.s3Options(new Cli.Command("serve", USAGE, (a, env, in, out, err) -> run(a, env, out, err))
                .value("port", "PORT", "Port to listen on, 0 for any free port (default 8080).")
                .value("data-dir", "DIR", "Data directory: credentials, audit files, keys (default ./data).")
                .value("master-key-file", "FILE", "Master key file (default <data-dir>/master.key).")
                .value("rate-client", "N/PERIOD", "Requests per client address (default 600/1m).")
                .value("rate-anonymous", "N/PERIOD", "Anonymous requests per client (default 20/15m).")
                .value("rate-user", "N/PERIOD", "Requests per user (default 100/15m).")
                .value("rate-admin", "N/PERIOD", "Requests per admin (default 200/15m).")
                .value("drain", "DURATION", "How long a stop lets requests finish (default 2s).")
                .value("read-timeout", "DURATION", "A connection silent this long, mid-request or idle, is closed, "
                        + "1s to 10m (default 10s).")
                .value("max-body", "BYTES", "Largest request body, at least 1024 (default 65536).")
                .value("password-iterations", "N", "PBKDF2 iterations for new password hashes.")
                .value("token-ttl", "DURATION", "Access token lifetime, 1m to 24h (default 15m).")
                .value("slowdown-after", "N", "Answers slow down after N requests over the limit (default off).")
                .value("slowdown-step", "DURATION", "Delay added per request once slowing down (default 500ms).")
                .value("slowdown-max", "DURATION", "Longest delay (default 20s).")
                .flag("trust-proxy", "Take the client address from X-Forwarded-For.")
                .flag("no-token-cache", "Verify every bearer token's signature on every request (no verified-token "
                        + "cache).")
                .value("warm-up", "DURATION", "Exercise the hot paths for this long before readiness turns UP, 0s to "
                        + "1m (default 5s; 0s: ready at once).")
                .value("ipv6-prefix", "BITS", "IPv6 clients are counted per prefix, 16 to 128 (default 64).")
                .value("max-api-keys", "N", "API keys per user (default 10).")
                .value("token-key-rotation", "PERIOD|off", "A new token signing key every PERIOD (default 30d).")
                .value("token-key-grace", "DURATION", "A new key is published this long before it signs (default 10m).")
                .value("alert-webhook", "URL", "http(s) URL that receives alerts.")
                .value("jdbc-url", "URL", "PostgreSQL for credentials, users, keys, limits and audit.")
                .value("jdbc-url-file", "FILE", "The --jdbc-url from the first line of FILE.")
                .value("redis-url", "URL", "Redis for rate limits and login budgets: redis://, rediss://, "
                        + "redis-sentinel://…#primary or redis-cluster://h1:p1,h2:p2.")
                .value("redis-url-file", "FILE", "The --redis-url from the first line of FILE.")
                .value("backup-repo", "DIR", "Back the database up into DIR (needs --jdbc-url).")
                .value("backup-every", "DURATION", "Backup interval, at least 1m (default 1h).")
                .value("backup-retention", "COUNTS", "GFS retention such as daily=7,weekly=4 (default: keep all).")
                .value("backup-mode", "MODE", "dumps (pg_dump, the default) or continuous (base backups and WAL "
                        + "archiving: point-in-time recovery; the --jdbc-url user needs REPLICATION).")
                .value("backup-offsite", "REPO", "Also copy each backup, encrypted, to s3://bucket/prefix or a directory.")
                .value("audit-checkpoint-key", "FILE", "Checkpoint signing key (default <data-dir>/audit-checkpoint.key).")
                .value("audit-checkpoints", "FILE", "Checkpoint copies (default <data-dir>/audit-checkpoints)."));
    }

    /** The settings from parsed options; a warning (such as a password in argv) goes to {@code err}. */
    static DemoService.Settings settings(Args a, Map<String, String> env, PrintStream err) {
        DemoService.Settings s = new DemoService.Settings();
        s.port = a.intValue("port", 8080);
        if (s.port < 0 || s.port > 65535) {
            throw new Args.UsageException("--port is 0 to 65535");
        }
        a.get("data-dir").ifPresent(d -> s.dataDir = Path.of(d));
        a.get("master-key-file").ifPresent(f -> s.masterKeyFile = Path.of(f));
        a.get("audit-checkpoint-key").ifPresent(f -> s.auditCheckpointKey = Path.of(f));
        a.get("audit-checkpoints").ifPresent(f -> s.auditCheckpoints = Path.of(f));
        s.masterKeyBase64 = env.get("INFRAKIT_MASTER_KEY");
        s.adminPassword = env.get("INFRAKIT_ADMIN_PASSWORD");
        s.rateClient = limit(a, "rate-client", s.rateClient);
        s.rateAnonymous = limit(a, "rate-anonymous", s.rateAnonymous);
        s.rateUser = limit(a, "rate-user", s.rateUser);
        s.rateAdmin = limit(a, "rate-admin", s.rateAdmin);
        s.drain = duration(a, "drain", s.drain);
        s.readTimeout = duration(a, "read-timeout", s.readTimeout);
        if (s.readTimeout.compareTo(Duration.ofSeconds(1)) < 0 || s.readTimeout.compareTo(Duration.ofMinutes(10)) > 0) {
            throw new Args.UsageException("--read-timeout is a duration from 1s to 10m");
        }
        s.tokenTtl = duration(a, "token-ttl", s.tokenTtl);
        if (s.tokenTtl.compareTo(Duration.ofMinutes(1)) < 0 || s.tokenTtl.compareTo(Duration.ofHours(24)) > 0) {
            throw new Args.UsageException("--token-ttl is 1m to 24h, got " + a.get("token-ttl").orElse(""));
        }
        s.tokenKeyGrace = duration(a, "token-key-grace", s.tokenKeyGrace);
        if (!s.tokenKeyGrace.isZero() && s.tokenKeyGrace.compareTo(DemoService.TOKEN_KEY_REFRESH) <= 0) {
            throw new Args.UsageException("--token-key-grace is 0s (one instance only) or longer than "
                    + DemoService.TOKEN_KEY_REFRESH.toSeconds() + "s (every instance reads a new key before it signs)");
        }
        if (a.get("token-key-rotation").filter("off"::equals).isPresent()) {
            s.tokenKeyRotation = null;
        } else {
            s.tokenKeyRotation = duration(a, "token-key-rotation", s.tokenKeyRotation);
            if (s.tokenKeyRotation.compareTo(s.tokenKeyGrace) <= 0 || s.tokenKeyRotation.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new Args.UsageException("--token-key-rotation is off or a period longer than --token-key-grace ("
                        + s.tokenKeyGrace.toSeconds() + "s) and at least 1s, got "
                        + a.get("token-key-rotation").orElse(""));
            }
        }
        s.trustProxy = a.flag("trust-proxy");
        s.tokenCache = !a.flag("no-token-cache");
        s.warmUp = duration(a, "warm-up", DEFAULT_WARM_UP);
        if (s.warmUp.isNegative() || s.warmUp.compareTo(Duration.ofMinutes(1)) > 0) {
            throw new Args.UsageException("--warm-up is 0s to 1m, got " + a.get("warm-up").orElse(""));
        }
        s.ipv6Prefix = a.intValue("ipv6-prefix", s.ipv6Prefix);
        if (s.ipv6Prefix < 16 || s.ipv6Prefix > 128) {
            throw new Args.UsageException("--ipv6-prefix is 16 to 128 bits, got " + s.ipv6Prefix);
        }
        s.jdbcUrl = JdbcUrl.from(a, "jdbc-url", env, err).orElse(null);
        s.redisUrl = RedisUrl.from(a, "redis-url", err).orElse(null);
        if (a.get("backup-repo").isPresent()) {
            if (s.jdbcUrl == null) {
                throw new Args.UsageException("--backup-repo backs up the service's database: it needs --jdbc-url");
            }
            s.backupRepo = Path.of(a.get("backup-repo").get());
        }
        if (a.get("backup-retention").isPresent()) {
            if (s.backupRepo == null) {
                throw new Args.UsageException("--backup-retention prunes the --backup-repo backups: it needs --backup-repo");
            }
            s.backupRetention = retention(a.get("backup-retention").get());
            s.backupRetentionGiven = true;
        }
        String mode = a.get("backup-mode").orElse("dumps");
        if (!mode.equals("dumps") && !mode.equals("continuous")) {
            throw new Args.UsageException("--backup-mode is dumps or continuous");
        }
        if (mode.equals("continuous") && s.backupRepo == null) {
            throw new Args.UsageException("--backup-mode continuous archives the database server into --backup-repo: "
                    + "it needs --backup-repo (and --jdbc-url)");
        }
        s.continuousBackup = mode.equals("continuous");
        if (a.get("backup-offsite").isPresent()) {
            if (s.backupRepo == null) {
                throw new Args.UsageException("--backup-offsite copies the --backup-repo backups: it needs --backup-repo");
            }
            s.backupOffsite = a.get("backup-offsite").get();
            BackupRepositories.check(s.backupOffsite, "backup-offsite");
        }
        s.backupS3 = BackupRepositories.S3Settings.from(a, env);
        if (s.backupS3.given() && (s.backupOffsite == null || !s.backupOffsite.startsWith("s3://"))) {
            throw new Args.UsageException("the --s3-* options are for --backup-offsite s3://…");
        }
        s.backupEvery = duration(a, "backup-every", s.backupEvery);
        if (s.backupEvery.compareTo(Duration.ofMinutes(1)) < 0) {
            throw new Args.UsageException("--backup-every is at least 1m");
        }
        s.slowdownAfter = a.intValue("slowdown-after", 0);
        if (s.slowdownAfter < 0) {
            throw new Args.UsageException("--slowdown-after cannot be negative");
        }
        s.maxApiKeys = a.intValue("max-api-keys", s.maxApiKeys);
        if (s.maxApiKeys < 1) {
            throw new Args.UsageException("--max-api-keys is at least 1");
        }
        s.slowdownStep = duration(a, "slowdown-step", s.slowdownStep);
        s.slowdownMax = duration(a, "slowdown-max", s.slowdownMax);
        if (a.get("alert-webhook").isPresent()) {
            try {
                s.alertWebhook = java.net.URI.create(a.get("alert-webhook").get());
                if (s.alertWebhook.getScheme() == null || !s.alertWebhook.getScheme().startsWith("http")) {
                    throw new IllegalArgumentException("not http");
                }
            } catch (IllegalArgumentException e) {
                throw new Args.UsageException("--alert-webhook is an http(s) URL");
            }
        }
        s.maxBody = a.intValue("max-body", s.maxBody);
        if (s.maxBody < 1024) {
            throw new Args.UsageException("--max-body is at least 1024 bytes");
        }
        s.passwordIterations = a.intValue("password-iterations", s.passwordIterations);
        if (s.passwordIterations < 1) {
            throw new Args.UsageException("--password-iterations is at least 1");
        }
        return s;
    }

    /**
     * {@code daily=N,weekly=N,monthly=N,last=N} (any of them, each once, in any order): the newest
     * backup of each of the last N days, ISO weeks and months that have one, and the newest
     * {@code last} (default 1); a count not named is 0. A policy that would keep only the newest
     * backup is refused as a likely mistake.
     */
    static dev.infrakit.backup.RetentionPolicy retention(String value) {
        String syntax = "--backup-retention is comma-separated counts daily=N, weekly=N, monthly=N, last=N "
                + "(e.g. daily=7,weekly=4,monthly=12)";
        Map<String, Integer> counts = new java.util.LinkedHashMap<>();
        for (String part : value.split(",", -1)) {
            int eq = part.indexOf('=');
            if (eq < 0) {
                throw new Args.UsageException(syntax + ", got '" + value + "': '" + part + "' is not name=N");
            }
            String name = part.substring(0, eq).trim();
            String number = part.substring(eq + 1).trim();
            if (!Set.of("daily", "weekly", "monthly", "last").contains(name)) {
                throw new Args.UsageException(syntax + ": unknown count '" + name + "' in '" + value + "'");
            }
            if (counts.containsKey(name)) {
                throw new Args.UsageException("--backup-retention: " + name + " was already set to " + counts.get(name)
                        + " in '" + value + "'");
            }
            int n;
            try {
                n = Integer.parseInt(number);
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < 0 || n > 10_000) {
                throw new Args.UsageException("--backup-retention: " + name + " is a whole number 0 to 10000, got '"
                        + number + "'");
            }
            counts.put(name, n);
        }
        int daily = counts.getOrDefault("daily", 0);
        int weekly = counts.getOrDefault("weekly", 0);
        int monthly = counts.getOrDefault("monthly", 0);
        int last = counts.getOrDefault("last", 1);
        if (daily + weekly + monthly == 0 && last <= 1) {
            throw new Args.UsageException("--backup-retention '" + value + "' would keep only the newest backup: give a "
                    + "count above 0 (e.g. daily=7), or leave the flag out to keep every backup");
        }
        return dev.infrakit.backup.RetentionPolicy.of(daily, weekly, monthly, last);
    }

    private static Duration duration(Args a, String flag, Duration defaultValue) {
        if (a.get(flag).isEmpty()) {
            return defaultValue;
        }
        try {
            Duration d = dev.infrakit.core.Config.of(Map.of(flag, a.get(flag).get())).getDuration(flag);
            if (d.isNegative()) {
                throw new IllegalArgumentException("negative");
            }
            return d;
        } catch (RuntimeException e) {
            throw new Args.UsageException("--" + flag + " is a duration such as 2s or 500ms");
        }
    }

    private static String limit(Args a, String flag, String defaultValue) {
        String value = a.get(flag).orElse(defaultValue);
        try {
            dev.infrakit.ratelimit.RateLimitPolicy.parse("check", value);
        } catch (RuntimeException e) {
            throw new Args.UsageException("--" + flag + " is N/period such as 100/15m, got '" + value + "'");
        }
        return value;
    }

    static int run(Args a, Map<String, String> env, PrintStream out, PrintStream err) throws Exception {
        DemoService.Settings s = settings(a, env, err);
        DemoService service = DemoService.start(s, out);
        out.println("listening on http://localhost:" + service.port() + " (data in " + s.dataDir.toAbsolutePath() + ")"
                + (s.warmUp.isZero() ? "" : "; warming up for " + s.warmUp.toMillis() + " ms before /health/ready "
                + "turns 200"));
        CountDownLatch stopped = Cli.stopOnSignal("infrakit-demo-shutdown", service::close, out, err);
        stopped.await();
        return 0;
    }
}
