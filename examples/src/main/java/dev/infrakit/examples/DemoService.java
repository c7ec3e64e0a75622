package dev.infrakit.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.infrakit.audit.Actor;
import dev.infrakit.audit.AuditEvent;
import dev.infrakit.audit.AuditException;
import dev.infrakit.audit.AuditQuery;
import dev.infrakit.audit.AuditRecord;
import dev.infrakit.audit.Durability;
import dev.infrakit.audit.JsonLinesAuditSink;
import dev.infrakit.audit.Resource;
import dev.infrakit.core.health.HealthCheck;
import dev.infrakit.core.health.HealthHttpHandler;
import dev.infrakit.core.health.HealthRegistry;
import dev.infrakit.core.health.HealthResult;
import dev.infrakit.core.http.BodyLimitFilter;
import dev.infrakit.core.http.ClientAddress;
import dev.infrakit.core.http.Problem;
import dev.infrakit.core.http.SecurityHeadersFilter;
import dev.infrakit.credentials.AuditedCredentialStore;
import dev.infrakit.credentials.CachingCredentialStore;
import dev.infrakit.credentials.CredentialMetadata;
import dev.infrakit.credentials.CredentialNotFoundException;
import dev.infrakit.credentials.CredentialStore;
import dev.infrakit.credentials.FileCredentialStore;
import dev.infrakit.credentials.KeyRing;
import dev.infrakit.credentials.MasterKey;
import dev.infrakit.credentials.OutcomeNotRecordedException;
import dev.infrakit.credentials.Secret;
import dev.infrakit.credentials.SecretValue;
import dev.infrakit.credentials.VersionConflictException;
import dev.infrakit.credentials.VersionInfo;
import dev.infrakit.credentials.WriteCondition;
import dev.infrakit.auth.ApiKeyRefusedException;
import dev.infrakit.auth.ApiKeys;
import dev.infrakit.web.jdk.AuthFilter;
import dev.infrakit.auth.AuthResult;
import dev.infrakit.auth.LoginThrottle;
import dev.infrakit.auth.NewApiKey;
import dev.infrakit.auth.PasswordHasher;
import dev.infrakit.auth.Principal;
import dev.infrakit.auth.TokenIssuer;
import dev.infrakit.auth.TokenKeys;
import dev.infrakit.auth.TokenVerifier;
import dev.infrakit.credentials.rotation.PasswordPolicy;
import dev.infrakit.credentials.rotation.RandomSecretStrategy;
import dev.infrakit.credentials.rotation.RotationEngine;
import dev.infrakit.credentials.rotation.RotationStatus;
import dev.infrakit.ratelimit.RateLimitFilter;
import dev.infrakit.ratelimit.RateLimitKey;
import dev.infrakit.ratelimit.RateLimitPolicy;
import dev.infrakit.ratelimit.RateLimiter;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The demo service on embedded defaults: an encrypted file credential store, an in-memory rate
 * limiter and audit files under the data directory, composed only from Infrakit's public API.
 */
final class DemoService implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern APP = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
    private static final Pattern USER = Pattern.compile("[a-z][a-z0-9._-]{2,63}");
    private static final Pattern CREDENTIAL = Pattern.compile("/api/(v1|v2)/credentials/([^/]+)(/versions|/rotate)?");
    private static final Pattern API_KEY = Pattern.compile("/api/v1/apikeys/([^/]+)");
    private static final Pattern UNLOCK = Pattern.compile("/api/v1/users/([^/]+)/unlock");
    /** One user: DELETE; its password (PUT); its tokens (DELETE: revoke them all). */
    private static final Pattern USER_PATH = Pattern.compile("/api/v1/users/([^/]+)(/password|/tokens)?");
    /**
     * RFC 9745's Deprecation header for the v1 credential GET: deprecated since 2026-11-22T00:00:00Z,
     * the day v2 shipped. No Sunset: no removal date has been decided, and a Sunset is a promise.
     */
    static final String V1_DEPRECATED = "@1795305600";
    /** The most events one audit query answers. */
    static final int MAX_AUDIT_LIMIT = 1000;
    /** What a 503 for an unavailable audit trail asks the client to wait (as the library's AuthFilter). */
    private static final String AUDIT_RETRY_AFTER_SECONDS = "5";

    /** Settings of one run. */
    static final class Settings {
        int port = 8080;
        Path dataDir = Path.of("data");
        Path masterKeyFile;
        String masterKeyBase64;
        String adminPassword;
        String rateAnonymous = "20/15m";
        /** The first stage: every request of one client address, before authentication. */
        String rateClient = "600/1m";
        String rateUser = "100/15m";
        String rateAdmin = "200/15m";
        Duration drain = Duration.ofSeconds(2);
        Duration tokenTtl = Duration.ofMinutes(15);
        /** A new token signing key this often (null: never). */
        Duration tokenKeyRotation = Duration.ofDays(30);
        /** How long a new signing key is published before it signs. */
        Duration tokenKeyGrace = Duration.ofMinutes(10);
        int maxBody = 64 * 1024;
        int passwordIterations = PasswordHasher.DEFAULT_ITERATIONS;
        boolean trustProxy;
        /** Anonymous budgets are counted per IPv6 prefix of this many bits (IPv4: per address). */
        int ipv6Prefix = 64;
        long slowdownAfter;
        /** The most live API keys per user. */
        int maxApiKeys = ApiKeys.DEFAULT_MAX_LIVE_KEYS;
        Duration slowdownStep = Duration.ofMillis(500);
        Duration slowdownMax = Duration.ofSeconds(20);
        java.net.URI alertWebhook;
        JdbcUrl jdbcUrl;
        Path backupRepo;
        Duration backupEvery = Duration.ofHours(1);
        /** What the scheduled backups delete: nothing unless {@code --backup-retention} is given. */
        dev.infrakit.backup.RetentionPolicy backupRetention = dev.infrakit.backup.RetentionPolicy.keepAll();
        /** The backups' clock (tests move it). */
        java.time.Clock backupClock = java.time.Clock.systemUTC();
        /** Runs the backups (null: a thread of the service's own; tests pass one they drive). */
        java.util.concurrent.ScheduledExecutorService backupExecutor;
        /** The P-256 key signing audit checkpoints (null: {@code <data-dir>/audit-checkpoint.key}). */
        Path auditCheckpointKey;
        /** Where copies of the file audit's checkpoints are kept (null: {@code <data-dir>/audit-checkpoints}). */
        Path auditCheckpoints;

        Path auditCheckpointKey() {
            return auditCheckpointKey != null ? auditCheckpointKey : dataDir.resolve(AuditCommand.CHECKPOINT_KEY);
        }

        Path auditCheckpoints() {
            return auditCheckpoints != null ? auditCheckpoints : dataDir.resolve(AuditCommand.CHECKPOINTS);
        }
    }

    /** How often each instance reads the token signing keys again (a new key's grace must be longer). */
    static final Duration TOKEN_KEY_REFRESH = Duration.ofSeconds(30);
    /** How long verifiers may cache the JWKS document: well within the grace before a new key signs. */
    static final Duration JWKS_MAX_AGE = Duration.ofSeconds(60);

    /** How often the audit sinks sign a checkpoint while events arrive (and on stop). */
    static final Duration CHECKPOINT_INTERVAL = Duration.ofSeconds(10);

    private final Settings settings;
    /** Who the client is: one rule for audit records, rate limits and login budgets. */
    private final ClientAddress.Resolver clients;
    private final HttpServer server;
    private final ExecutorService executor;
    /** What every component records to: {@link #auditLog}, condensing floods of refusals. */
    private final dev.infrakit.audit.AuditSink audit;
    /** The trail itself (files or table): queried by the admin API, its health and metrics registered. */
    private final dev.infrakit.audit.AuditLog auditLog;
    private final com.zaxxer.hikari.HikariDataSource pool;
    /** Embedded: the data directory is this process's alone while it runs (null with --jdbc-url). */
    private final DataDirectoryLock dataLock;
    private final dev.infrakit.core.schedule.ScheduledJob backups;
    private final CredentialStore raw;
    private final CredentialStore credentials;
    private final RotationEngine rotation;
    private final TokenIssuer issuer;
    private final TokenKeys tokenKeys;
    /** Revoked tokens, in the credential store: every instance sharing it honours them within 1 s. */
    private final dev.infrakit.auth.TokenRevocations revocations;
    private final dev.infrakit.core.schedule.ScheduledJob keyRotation;
    private final ApiKeys apiKeys;
    private final LoginThrottle throttle;
    private final PasswordHasher hasher;
    private final RateLimiter limiter;
    private final java.util.concurrent.ScheduledExecutorService delays;
    private final java.util.concurrent.ScheduledExecutorService backupExecutor;
    private volatile boolean draining;
    private final io.micrometer.prometheusmetrics.PrometheusMeterRegistry metrics;

    private DemoService(Settings s, PrintStream out, DataDirectoryLock dataLock) throws IOException {
        this.settings = s;
        this.clients = ClientAddress.resolver().trustedProxies(s.trustProxy ? 1 : 0)
                .ipv6PrefixLength(s.ipv6Prefix).build();
        Files.createDirectories(s.dataDir);
        MasterKey master = masterKey(s);
        byte[] chainKey = master.derive(AuditCommand.CHAIN_KEY_PURPOSE);
        java.security.interfaces.ECPrivateKey checkpointKey = (java.security.interfaces.ECPrivateKey)
                dev.infrakit.audit.CheckpointKeys.loadOrCreate(s.auditCheckpointKey(),
                        AuditCommand.publicKeyFile(s.auditCheckpointKey())).getPrivate();
        CredentialStore store;
        CachingCredentialStore cached;
        dev.infrakit.auth.ApiKeyStore keyStore;
        dev.infrakit.ratelimit.RateLimitStore limitStore = null;
        this.metrics = new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
                io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
        this.dataLock = dataLock;
        if (s.jdbcUrl != null) {
            Map<String, String> poolConfig = new HashMap<>(Map.of("url", s.jdbcUrl.poolUrl(), "username",
                    s.jdbcUrl.user, "pool-size", "10",
                    "pool-name", "infrakit-demo", "connection-timeout", "2s", "validation-timeout", "1s"));
            // 2 s, not Hikari's 30 s: while the database is down a request is answered (503) in seconds,
            // not held for half a minute per query.
            if (s.jdbcUrl.password != null) {
                poolConfig.put("password", s.jdbcUrl.password);
            }
            this.pool = dev.infrakit.core.DataSources.create(dev.infrakit.core.Config.of(poolConfig), metrics);
            try {
                dev.infrakit.credentials.PostgresCredentialStore.createSchema(pool);
                dev.infrakit.audit.PostgresAuditSink.createSchema(pool);
                dev.infrakit.auth.PostgresApiKeyStore.createSchema(pool);
                // While the database is down, each instance limits on its own share (documented).
                dev.infrakit.ratelimit.PostgresRateLimitStore.createSchema(pool);
                dev.infrakit.ratelimit.PostgresRateLimitStore pgLimits = dev.infrakit.ratelimit.PostgresRateLimitStore
                        .builder(pool).failurePolicy(dev.infrakit.ratelimit.FailurePolicy.LOCAL_FALLBACK).build();
                limitStore = pgLimits;
                dev.infrakit.audit.PostgresAuditSink pgAudit = dev.infrakit.audit.PostgresAuditSink.builder(pool, chainKey)
                        .durability(Durability.DURABLE).checkpoints(checkpointKey, CHECKPOINT_INTERVAL).build();
                this.auditLog = pgAudit;
                store = dev.infrakit.credentials.PostgresCredentialStore.builder(pool, KeyRing.of(master)).build();
                // Rows authenticated under the master key: SQL access alone cannot raise roles or clear a revocation.
                keyStore = dev.infrakit.auth.PostgresApiKeyStore.create(pool, KeyRing.of(master));
            } catch (RuntimeException e) {
                pool.close();
                throw e;
            }
        } else {
            this.pool = null;
            JsonLinesAuditSink files = JsonLinesAuditSink.builder(s.dataDir.resolve("audit"), chainKey)
                    .durability(Durability.DURABLE).checkpoints(checkpointKey, CHECKPOINT_INTERVAL)
                    .checkpointStore(dev.infrakit.audit.CheckpointStore.file(s.auditCheckpoints())).build();
            this.auditLog = files;
            store = FileCredentialStore.directory(s.dataDir.resolve("credentials"), KeyRing.of(master)).build();
            keyStore = dev.infrakit.auth.CredentialStoreApiKeyStore.create(store);
        }
        this.audit = condensed(auditLog);
        this.raw = store;
        cached = CachingCredentialStore.builder(store).refreshAfter(Duration.ofMinutes(1))
                .expireAfter(Duration.ofMinutes(5)).build();
        this.credentials = AuditedCredentialStore.builder(cached, audit).build();
        this.rotation = RotationEngine.builder(store).auditSink(audit).build();
        TokenKeys keys = TokenKeys.builder(store).grace(s.tokenKeyGrace).refresh(TOKEN_KEY_REFRESH)
                .tokenLifetime(s.tokenTtl, Duration.ofSeconds(60)).auditSink(audit).build();
        this.tokenKeys = keys;
        this.revocations = dev.infrakit.auth.TokenRevocations.builder(store).build();
        this.issuer = TokenIssuer.builder(keys).issuer("infrakit-demo").audience("infrakit-demo")
                .ttl(s.tokenTtl).build();
        TokenVerifier verifier = TokenVerifier.builder(keys).issuer("infrakit-demo").audience("infrakit-demo")
                .revocations(revocations).build();
        this.apiKeys = ApiKeys.builder(keyStore).auditSink(audit).maxLiveKeys(s.maxApiKeys).build();
        // Login budgets in the limiter's store: with --jdbc-url shared by every instance.
        LoginThrottle.Builder throttleBuilder = LoginThrottle.builder().auditSink(audit);
        if (limitStore != null) {
            throttleBuilder.store(limitStore);
        }
        this.throttle = throttleBuilder.build();
        this.hasher = s.passwordIterations >= PasswordHasher.MIN_ITERATIONS
                ? PasswordHasher.builder().iterations(s.passwordIterations).build()
                : PasswordHasher.forTesting(s.passwordIterations);
        RateLimiter.Builder limiterBuilder = RateLimiter.builder().tier(RateLimitPolicy.parse(CLIENT_TIER, s.rateClient))
                .tier(policy("anonymous", s.rateAnonymous, s))
                .tier(policy("user", s.rateUser, s)).tier(policy("admin", s.rateAdmin, s)).defaultTier("anonymous");
        if (limitStore != null) {
            limiterBuilder.store(limitStore);
        }
        this.limiter = limiterBuilder.build();
        this.delays = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "infrakit-demo-slowdown");
            t.setDaemon(true);
            return t;
        });
        ensureAdmin(s, out);
        // Every instance may check: one key is added per period between them, also across restarts.
        this.keyRotation = s.tokenKeyRotation == null ? null : keys.scheduleRotation(s.tokenKeyRotation, delays);

        new dev.infrakit.credentials.CredentialMetrics(cached).bindTo(metrics);
        auditLog.metrics().ifPresent(binder -> binder.bindTo(metrics));
        new dev.infrakit.ratelimit.RateLimitMetrics(limiter).bindTo(metrics);
        new io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics().bindTo(metrics);
        new io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics().bindTo(metrics);
        new io.micrometer.core.instrument.binder.system.ProcessorMetrics().bindTo(metrics);
        new io.micrometer.core.instrument.binder.system.UptimeMetrics().bindTo(metrics);
        new io.micrometer.core.instrument.binder.system.DiskSpaceMetrics(s.dataDir.toFile()).bindTo(metrics);

        dev.infrakit.core.notify.Notifier notifier = s.alertWebhook == null ? null
                : dev.infrakit.core.notify.WebhookNotifier.builder(s.alertWebhook).build();
        HealthRegistry.Builder healthBuilder = HealthRegistry.builder().serviceId("infrakit-demo");
        if (notifier != null) {
            healthBuilder.notifier(notifier, Duration.ofMinutes(1));
        }
        HealthRegistry health = healthBuilder.build();
        health.register(HealthCheck.of("draining", () -> draining ? HealthResult.down("shutting down").build()
                : HealthResult.up().build()).groups(HealthCheck.READINESS).critical(true).build());
        // Critical and in readiness (the sinks' checks are): while events cannot be recorded, every
        // change is refused (503), so the instance must leave the load balancer's rotation.
        auditLog.healthCheck().ifPresent(health::register);
        if (pool != null) {
            health.register(dev.infrakit.core.health.DataSourceHealthCheck.builder(pool).name("database")
                    .groups(HealthCheck.READINESS).build());
        }
        if (pool != null && s.backupRepo != null) {
            dev.infrakit.backup.PostgresBackupSource.Builder source = s.jdbcUrl
                    .applyTo(dev.infrakit.backup.PostgresBackupSource.builder()).database(s.jdbcUrl.database);
            dev.infrakit.backup.LocalBackupRepository repository = dev.infrakit.backup.LocalBackupRepository
                    .open(s.backupRepo);
            dev.infrakit.backup.BackupRunner.Builder runner = dev.infrakit.backup.BackupRunner.builder(source.build(),
                    repository).auditSink(audit).retention(s.backupRetention).clock(s.backupClock);
            if (notifier != null) {
                runner.notifier(notifier);
            }
            dev.infrakit.backup.BackupRunner backupRunner = runner.build();
            backupRunner.metrics().bindTo(metrics);
            dev.infrakit.core.schedule.Schedule every = dev.infrakit.core.schedule.Schedule.every(s.backupEvery);
            health.register(new NonCritical(backupRunner.freshnessCheck(every)));
            // Its own thread: a backup that takes minutes must not hold up slowed-down requests.
            this.backupExecutor = s.backupExecutor != null ? s.backupExecutor
                    : Executors.newSingleThreadScheduledExecutor(r -> {
                        Thread t = new Thread(r, "infrakit-demo-backup");
                        t.setDaemon(true);
                        return t;
                    });
            this.backups = backupRunner.schedule(every, dev.infrakit.backup.BackupKind.HOURLY, backupExecutor);
            java.time.Instant due = s.backupClock.instant().minus(s.backupEvery);
            boolean fresh = repository.list().stream().anyMatch(m -> m.status() == dev.infrakit.backup.BackupStatus.VERIFIED
                    && m.started().isAfter(due));
            if (!fresh) {
                // No verified backup within one interval (a first start, or a service that was down): one now.
                backupExecutor.execute(() -> {
                    try {
                        backupRunner.run(dev.infrakit.backup.BackupKind.HOURLY);
                    } catch (RuntimeException e) {
                        org.slf4j.LoggerFactory.getLogger(DemoService.class).warn("Catch-up backup failed: {}",
                                printable(e.getMessage(), 1000));
                    }
                });
            }
        } else {
            this.backups = null;
            this.backupExecutor = null;
        }
        try {
            this.server = HttpServer.create(new InetSocketAddress(s.port), 0);
        } catch (BindException e) {
            if (keyRotation != null) {
                keyRotation.cancel();
            }
            delays.shutdownNow();
            close(raw, audit);
            if (pool != null) {
                pool.close();
            }
            throw new IllegalStateException("port " + s.port + " is in use"); // start() releases the lock
        }
        this.executor = Executors.newFixedThreadPool(16);
        server.setExecutor(executor);
        SecurityHeadersFilter headers = SecurityHeadersFilter.builder().without("Strict-Transport-Security").build();
        HttpContext healthContext = server.createContext("/health", HealthHttpHandler.of(health));
        healthContext.getFilters().add(headers);
        HttpContext metricsContext = server.createContext("/metrics", exchange -> {
            try (exchange) {
                byte[] body = metrics.scrape().getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            }
        });
        metricsContext.getFilters().add(headers);
        // The admin page's static files are public: no auth or rate limit, like /health.
        server.createContext("/admin", new AdminAssets()).getFilters().add(headers);
        // The public keys verifying our tokens, for any JWT library (public, like /health).
        server.createContext("/.well-known/jwks.json", this::jwks).getFilters().add(headers);
        HttpContext api = server.createContext("/api", this::api);
        api.getFilters().add(new HttpMetricsFilter(metrics));
        api.getFilters().add(headers);
        api.getFilters().add(BodyLimitFilter.of(s.maxBody));
        // Two stages: a cheap limit per client address before authentication, which refused credentials
        // also drain (AUTH_FAILURE_COST each), so a client that keeps failing is refused before any
        // signature check or audit record; then the principal's tier after it.
        api.getFilters().add(RateLimitFilter.builder(limiter).keyResolver(exchange -> new RateLimitKey(CLIENT_TIER,
                clients.resolve(exchange).budgetKey())).build());
        api.getFilters().add(AuthFilter.builder().tokens(verifier).apiKeys(apiKeys).auditSink(audit)
                .clientAddresses(clients).chargeFailures(limiter, CLIENT_TIER, AUTH_FAILURE_COST).build());
        api.getFilters().add(RateLimitFilter.builder(limiter).delayScheduler(delays).keyResolver(exchange -> AuthFilter
                .principal(exchange).map(this::rateLimitKey)
                .orElseGet(() -> new RateLimitKey("anonymous", clients.resolve(exchange).budgetKey()))).build());
        server.start();
    }

    /** The first-stage tier: every request of one client address. */
    static final String CLIENT_TIER = "client";
    /** What a refused credential costs its client address in the first stage, besides the request itself. */
    static final long AUTH_FAILURE_COST = 10;
    /** The refusals a flood produces: recorded five per address and type per 15 minutes, the rest counted. */
    static final String[] CONDENSED_TYPES = {"auth.invalid-token", "auth.ambiguous-credentials", "api-key.rejected",
        "auth.denied"};

    private static dev.infrakit.audit.AuditSink condensed(dev.infrakit.audit.AuditSink sink) {
        return dev.infrakit.audit.CondensingAuditSink.builder(sink).types(CONDENSED_TYPES).perAddress(5)
                .window(Duration.ofMinutes(15)).build();
    }

    /** Tier by role; subject the user name, also for an API key (a key draws on its owner's budget). */
    private RateLimitKey rateLimitKey(dev.infrakit.auth.Principal p) {
        return new RateLimitKey(p.hasRole("admin") ? "admin" : "user", apiKeys.rateLimitSubject(p));
    }

    private static RateLimitPolicy policy(String tier, String limit, Settings s) {
        RateLimitPolicy policy = RateLimitPolicy.parse(tier, limit);
        return s.slowdownAfter > 0 ? policy.withSlowDown(dev.infrakit.ratelimit.SlowDown.after(s.slowdownAfter,
                s.slowdownStep, s.slowdownMax)) : policy;
    }

    /** The client's address: the socket's, or with --trust-proxy the last X-Forwarded-For entry. */
    private String clientAddress(HttpExchange exchange) {
        return clients.resolve(exchange).text();
    }

    static DemoService start(Settings s, PrintStream out) throws IOException {
        // The JDK server leaves Nagle's algorithm on: a response written as headers then body waits for
        // the client's delayed ACK, ~40 ms per answer under load (measured: p50 46 ms → 3 ms at 300/s).
        // Read once, when the first server is created; an explicit -D setting wins.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
        // Embedded: the data directory is this process's alone while it runs; released if the start fails.
        Files.createDirectories(s.dataDir);
        DataDirectoryLock lock = s.jdbcUrl == null ? DataDirectoryLock.acquire(s.dataDir) : null;
        try {
            return new DemoService(s, out, lock);
        } catch (IOException | RuntimeException | Error e) {
            if (lock != null) {
                lock.close();
            }
            throw e;
        }
    }

    int port() {
        return server.getAddress().getPort();
    }

    private static MasterKey masterKey(Settings s) {
        if (s.masterKeyFile != null) {
            return MasterKey.fromFile(s.masterKeyFile);
        }
        if (s.masterKeyBase64 != null) {
            return MasterKey.fromBase64(s.masterKeyBase64);
        }
        Path file = s.dataDir.resolve("master.key");
        // Generated only where nothing is, not even a dangling link; anything there is checked (and a link refused).
        return Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS) ? MasterKey.fromFile(file)
                : MasterKey.generateToFile(file);
    }

    /** The password rule for every account: user creation and {@code admin reset-password}. */
    static final int MIN_PASSWORD_LENGTH = 12;
    static final String PASSWORD_RULE = "A password has " + MIN_PASSWORD_LENGTH + " to "
            + PasswordHasher.MAX_PASSWORD_LENGTH + " characters.";

    private void ensureAdmin(Settings s, PrintStream out) {
        if (raw.find("users/admin").isPresent()) {
            if (s.adminPassword != null && !s.adminPassword.isEmpty()) {
                // Said once, without the value: a set variable that changes nothing would otherwise go unnoticed.
                out.println("INFRAKIT_ADMIN_PASSWORD is set but ignored: the admin account exists "
                        + "(change its password with admin reset-password)");
            }
            return;
        }
        String password = s.adminPassword;
        if (password == null || password.isEmpty()) {
            byte[] random = new byte[18];
            new SecureRandom().nextBytes(random);
            password = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(random);
            out.println("admin password: " + password);
        }
        try {
            raw.put("users/admin", SecretValue.ofFields(Map.of("hash", hasher.hash(password.toCharArray()), "role",
                    "admin")), WriteCondition.createOnly());
        } catch (VersionConflictException e) {
            // Another instance sharing the database created the admin account at the same moment.
        }
    }

    // ------------------------------------------------------------------ HTTP API

    private void api(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod();
            Principal principal = AuthFilter.principal(exchange).orElse(null);
            try {
                if (path.equals("/api/v1/auth/login") && method.equals("POST")) {
                    login(exchange);
                } else if (path.equals("/api/v1/users") && method.equals("POST")) {
                    role(principal, "admin");
                    createUser(exchange, principal);
                } else if (UNLOCK.matcher(path).matches() && method.equals("POST")) {
                    role(principal, "admin");
                    unlock(exchange, principal, UNLOCK.matcher(path));
                } else if (path.equals("/api/v1/auth/logout") && method.equals("POST")) {
                    role(principal, "user", "admin");
                    logout(exchange, principal);
                } else if (USER_PATH.matcher(path).matches()) {
                    role(principal, "user", "admin");
                    user(exchange, principal, method, USER_PATH.matcher(path));
                } else if (path.equals("/api/v1/apikeys") && method.equals("POST")) {
                    role(principal, "user", "admin");
                    NewApiKey key = apiKeys.create(caller(principal, exchange), "demo", Duration.ofDays(90));
                    ObjectNode body = JSON.createObjectNode().put("id", key.keyId()).put("key", key.key())
                            .put("expiresAt", key.record().expiresAt().map(Instant::toString).orElse(null));
                    json(exchange, 201, body);
                } else if (path.equals("/api/v1/apikeys") && method.equals("GET")) {
                    role(principal, "user", "admin");
                    ArrayNode keys = JSON.createArrayNode();
                    Instant now = Instant.now();
                    for (dev.infrakit.auth.ApiKeyRecord r : apiKeys.list(caller(principal, exchange),
                            query(exchange).get("owner"))) {
                        keys.addObject().put("id", r.keyId()).put("owner", r.subject()).put("name", r.name())
                                .put("createdAt", r.createdAt().toString())
                                .put("expiresAt", r.expiresAt().map(Instant::toString).orElse(null))
                                .put("revokedAt", r.revokedAt().map(Instant::toString).orElse(null))
                                .put("lastUsedAt", r.lastUsedAt().map(Instant::toString).orElse(null))
                                .put("live", !r.isRevoked() && !r.isExpiredAt(now));
                    }
                    json(exchange, 200, JSON.createObjectNode().set("keys", keys));
                } else if (API_KEY.matcher(path).matches() && method.equals("DELETE")) {
                    role(principal, "user", "admin");
                    Matcher m = API_KEY.matcher(path);
                    m.matches();
                    try {
                        apiKeys.revoke(caller(principal, exchange), m.group(1));
                    } catch (OutcomeNotRecordedException e) {
                        tookEffect(e); // revoked: the key no longer works
                    }
                    empty(exchange, 204);
                } else if (path.equals("/api/v1/credentials") && method.equals("GET")) {
                    role(principal, "user", "admin");
                    ArrayNode list = JSON.createArrayNode();
                    acting(principal, exchange, () -> {
                        // Rotation state lives under the engine's own prefix, never under apps/.
                        for (CredentialMetadata m : credentials.list("apps/")) {
                            list.addObject().put("app", m.name().substring(5)).put("version", m.currentVersion())
                                    .put("updatedAt", m.updated().toString());
                        }
                        return null;
                    });
                    json(exchange, 200, list);
                } else if (CREDENTIAL.matcher(path).matches()) {
                    credential(exchange, principal, method, CREDENTIAL.matcher(path));
                } else if (path.equals("/api/v1/audit") && method.equals("GET")) {
                    role(principal, "admin");
                    auditQuery(exchange);
                } else {
                    throw new HttpError(404, "Not Found", "No such endpoint: " + printable(method, 32) + " "
                            + printable(path, 200));
                }
            } catch (HttpError e) {
                if (e.status == 401) {
                    exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer");
                }
                if (e.status == 403 && principal != null) {
                    try {
                        denied(exchange, principal, e.getMessage());
                    } catch (AuditException refused) {
                        auditUnavailable(exchange, method, path, refused); // still refused, never let through
                        return;
                    }
                }
                Problem.of(e.status, e.title, e.getMessage()).send(exchange);
            } catch (CredentialNotFoundException e) {
                // The store's name is internal (apps/<app>): the client is told the app it asked for.
                String name = e.name() == null ? "" : e.name();
                Problem.of(404, "Not Found", "No credential " + printable(name.startsWith("apps/") ? name.substring(5)
                        : name, 100) + ".").send(exchange);
            } catch (ApiKeyRefusedException e) {
                int status = e.reason() == ApiKeyRefusedException.Reason.LIMIT_REACHED ? 409
                        : e.reason() == ApiKeyRefusedException.Reason.NO_SUCH_KEY ? 404 : 403;
                Problem.of(status, status == 409 ? "Conflict" : status == 404 ? "Not Found" : "Forbidden",
                        e.getMessage()).send(exchange);
            } catch (AuditException e) {
                // The action was refused before it took effect (its PENDING event, or a read's event,
                // could not be recorded): nothing changed. Actions that took effect are answered where
                // they are made (OutcomeNotRecordedException), never here.
                auditUnavailable(exchange, method, path, e);
            } catch (IllegalArgumentException e) {
                Problem.of(400, "Bad Request", e.getMessage()).send(exchange);
            } catch (dev.infrakit.credentials.CredentialException e) {
                if (e.getClass() != dev.infrakit.credentials.CredentialException.class) {
                    internalError(exchange, method, path, e); // an integrity failure or a conflict is not "try later"
                    return;
                }
                // The store did not answer (the database is down): nothing was done; not the client's fault.
                org.slf4j.LoggerFactory.getLogger(DemoService.class).warn("{} {} failed: {}", printable(method, 32),
                        printable(path, 200), printable(e.getMessage(), 1000));
                exchange.getResponseHeaders().set("Retry-After", AUDIT_RETRY_AFTER_SECONDS);
                Problem.of(503, "Service Unavailable", "The credential store cannot be reached now; try again later.")
                        .send(exchange);
            } catch (RuntimeException e) {
                internalError(exchange, method, path, e);
            }
        }
    }

    private static void internalError(HttpExchange exchange, String method, String path, RuntimeException e)
            throws IOException {
        org.slf4j.LoggerFactory.getLogger(DemoService.class).error("{} {} failed", printable(method, 32),
                printable(path, 200), e);
        Problem.of(500, "Internal Server Error", "The request failed; see the server log.").send(exchange);
    }

    private static void auditUnavailable(HttpExchange exchange, String method, String path, AuditException e)
            throws IOException {
        org.slf4j.LoggerFactory.getLogger(DemoService.class).warn("{} {} refused: audit unavailable: {}",
                printable(method, 32), printable(path, 200),
                printable(e.getMessage(), 1000));
        exchange.getResponseHeaders().set("Retry-After", AUDIT_RETRY_AFTER_SECONDS);
        Problem.of(503, "Audit unavailable", "The audit trail cannot record this request now, so it was "
                + "refused and nothing was changed; try again later.").send(exchange);
    }

    /** A value from outside bounded and with its control characters escaped, for a log line or a problem detail. */
    private static String printable(String value, int maxLength) {
        return dev.infrakit.core.http.ClientText.forLog(value, maxLength);
    }

    /**
     * A change that took effect although its outcome could not be recorded: it is answered as done
     * (its PENDING event is in the trail, and the audit health check takes the instance out of
     * rotation); logged, without any value.
     */
    private static OutcomeNotRecordedException tookEffect(OutcomeNotRecordedException e) {
        org.slf4j.LoggerFactory.getLogger(DemoService.class).warn("{}", printable(e.getMessage(), 1000));
        return e;
    }

    /** A check that degrades rather than fails the service (backup freshness: 200 with warn). */
    private static final class NonCritical implements HealthCheck {
        private final HealthCheck check;

        NonCritical(HealthCheck check) {
            this.check = check;
        }

        @Override
        public String name() {
            return check.name();
        }

        @Override
        public HealthResult check() throws Exception {
            return check.check();
        }

        @Override
        public boolean critical() {
            return false;
        }
    }

    /** An HTTP error answered as a problem. */
    private static final class HttpError extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int status;
        final String title;

        HttpError(int status, String title, String detail) {
            super(detail);
            this.status = status;
            this.title = title;
        }
    }

    /**
     * Records a refusal of an authenticated caller (403): type {@code auth.denied}, condensed per
     * address and window when a caller floods (CONDENSED_TYPES).
     */
    private void denied(HttpExchange exchange, Principal principal, String why) {
        audit.record(AuditEvent.builder(AuditEvent.Category.SECURITY, "auth.denied")
                .actor(actor(principal, exchange))
                .action(exchange.getRequestMethod().length() <= 32 ? exchange.getRequestMethod().toLowerCase(
                        java.util.Locale.ROOT) : "request")
                .resource(Resource.of("endpoint", dev.infrakit.core.http.ClientText.truncate(
                        exchange.getRequestURI().getPath(), 200)))
                .outcome(AuditEvent.Outcome.DENIED).severity(AuditEvent.Severity.WARN).reason(why).build());
    }

    private static void role(Principal principal, String... roles) {
        if (principal == null) {
            throw new HttpError(401, "Unauthorized", "This endpoint needs authentication.");
        }
        for (String r : roles) {
            if (principal.hasRole(r)) {
                return;
            }
        }
        throw new HttpError(403, "Forbidden", "This endpoint needs one of the roles " + Set.of(roles) + ".");
    }

    /** The caller of an API-key operation: its principal, address and user agent (for the audit events). */
    private ApiKeys.Caller caller(Principal principal, HttpExchange exchange) {
        return new ApiKeys.Caller(principal, clientAddress(exchange), exchange.getRequestHeaders().getFirst("User-Agent"));
    }

    private <T> T acting(Principal principal, HttpExchange exchange, java.util.function.Supplier<T> body) {
        AuditedCredentialStore.Scope scope = AuditedCredentialStore.actingAs(actor(principal, exchange));
        try {
            return body.get();
        } finally {
            scope.close();
        }
    }

    private static JsonNode body(HttpExchange exchange) throws IOException {
        String type = exchange.getRequestHeaders().getFirst("Content-Type");
        if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
            throw new HttpError(415, "Unsupported Media Type", "Send the body as application/json.");
        }
        try (InputStream in = exchange.getRequestBody()) {
            JsonNode node = JSON.readTree(in);
            if (node == null || !node.isObject()) {
                throw new HttpError(400, "Bad Request", "The body must be a JSON object.");
            }
            return node;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new HttpError(400, "Bad Request", "The body is not valid JSON.");
        }
    }

    private static String text(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || !n.isTextual() || n.asText().isEmpty()) {
            throw new HttpError(400, "Bad Request", "The field '" + field + "' is required (a string).");
        }
        return n.asText();
    }

    private void login(HttpExchange exchange) throws IOException {
        JsonNode body = body(exchange);
        String username = text(body, "username");
        char[] password = text(body, "password").toCharArray();
        // The epoch first, the password after: a login racing a password change or a deletion that
        // passed with the old state carries an epoch that change's revocation ends.
        Map<String, Object> claims = new HashMap<>(USER.matcher(username).matches() ? revocations.claims(username)
                : Map.of());
        Upgrade[] upgraded = new Upgrade[1];
        AuthResult result = throttle.attempt(username, clients.resolve(exchange), () -> checkPassword(username,
                password, upgraded));
        java.util.Arrays.fill(password, '\0');
        refuseFailedLogin(exchange, result, "Wrong user name or password.", 401);
        Principal p = result.principal();
        if (upgraded[0] != null) {
            upgradeHash(exchange, p, upgraded[0]);
        }
        // amr ["pwd"]: this token comes from an interactive login, so it may create API keys.
        claims.putAll(p.authenticationClaims());
        String token = issuer.issue(p.subject(), p.roles(), claims, settings.tokenTtl);
        json(exchange, 200, JSON.createObjectNode().put("accessToken", token).put("tokenType", "Bearer")
                .put("expiresIn", settings.tokenTtl.toSeconds()));
    }

    /** The user's password checked (an unknown user costs the same hash as a known one). */
    private AuthResult checkPassword(String username, char[] password) {
        return checkPassword(username, password, new Upgrade[1]);
    }

    /**
     * The user's password checked; when it matches a hash made with fewer iterations than
     * configured, {@code upgraded[0]} receives the new hash to store.
     */
    private AuthResult checkPassword(String username, char[] password, Upgrade[] upgraded) {
        String role = null;
        String hash = null;
        int version = 0;
        if (USER.matcher(username).matches()) {
            java.util.Optional<Secret> user;
            try {
                user = raw.find(userRecord(username));
            } catch (dev.infrakit.credentials.CredentialIntegrityException e) {
                // A record that fails its check (edited, rolled back) signs nobody in: said in the log for
                // the operator, a plain 401 for the client (which learns nothing of the store).
                org.slf4j.LoggerFactory.getLogger(DemoService.class).error("Login refused: {}", e.getMessage());
                user = java.util.Optional.empty();
            }
            if (user.isPresent()) {
                hash = user.get().value().field("hash").orElse(null);
                role = user.get().value().field("role").orElse("user");
                version = user.get().version();
            }
        }
        PasswordHasher.Verification checked = hasher.verifyAndUpgrade(password, hash != null ? hash : DUMMY_HASH.get());
        if (!checked.verified() || hash == null) {
            return AuthResult.failure(AuthResult.Failure.BAD_CREDENTIALS, "wrong user name or password");
        }
        if (checked.upgradedHash().isPresent()) {
            upgraded[0] = new Upgrade(version, role, checked.upgradedHash().get());
        }
        return AuthResult.success(new Principal(username, Set.of(role), Principal.Method.PASSWORD, null, null, Map.of()));
    }

    /** A stronger hash of a password that just matched, for the user record's {@code version}. */
    private record Upgrade(int version, String role, String hash) {
        @Override
        public String toString() {
            return "Upgrade[" + version + "]"; // never the hash
        }
    }

    /** A refused password: 429 with Retry-After while locked or throttled, else {@code status} with {@code wrong}. */
    private static void refuseFailedLogin(HttpExchange exchange, AuthResult result, String wrong, int status) {
        if (result.ok()) {
            return;
        }
        AuthResult.Failure failure = result.failure().orElseThrow();
        if (failure == AuthResult.Failure.LOCKED || failure == AuthResult.Failure.THROTTLED) {
            long seconds = Math.max(1, (result.retryAfter().orElse(Duration.ofSeconds(1)).toMillis() + 999) / 1000);
            exchange.getResponseHeaders().set("Retry-After", Long.toString(seconds));
            throw new HttpError(429, "Too Many Requests", failure == AuthResult.Failure.LOCKED
                    ? "Too many failed logins for this user from your network; try again in " + seconds + " s."
                    : "Too many login attempts from your network; try again in " + seconds + " s.");
        }
        throw new HttpError(status, status == 401 ? "Unauthorized" : "Forbidden", wrong);
    }

    /**
     * Stores the stronger hash made at login (audited {@code user.password-rehashed}); if the
     * record changed meanwhile (a password change) or the trail refuses, the old hash stays and
     * the next login tries again: the login itself succeeds either way.
     */
    private void upgradeHash(HttpExchange exchange, Principal user, Upgrade upgrade) {
        try {
            audited(() -> event("user.password-rehashed", "rehash", user, exchange, user.subject())
                    .detail("iterations", hasher.iterations()), user.subject(), () -> raw.put(userRecord(user.subject()),
                    SecretValue.ofFields(Map.of("hash", upgrade.hash(), "role", upgrade.role())),
                    WriteCondition.ifVersion(upgrade.version())));
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(DemoService.class).warn("The password hash of {} was not upgraded: {}",
                    printable(user.subject(), 200), e.getClass().getSimpleName());
        }
    }

    private final java.util.function.Supplier<String> DUMMY_HASH = new java.util.function.Supplier<>() {
        private volatile String hash;

        @Override
        public String get() {
            if (hash == null) {
                hash = hasher.hash("not-a-real-password".toCharArray());
            }
            return hash;
        }
    };

    private void createUser(HttpExchange exchange, Principal admin) throws IOException {
        JsonNode body = body(exchange);
        String username = text(body, "username");
        String password = text(body, "password");
        String role = body.hasNonNull("role") ? body.get("role").asText() : "user";
        requireUserName(username);
        if (!role.equals("user") && !role.equals("admin")) {
            throw new HttpError(400, "Bad Request", "role is user or admin.");
        }
        requirePasswordRule(password);
        // Recorded before the account exists (refused: 503, no account), its outcome after.
        audited(() -> event("user.created", "create", admin, exchange, username).detail("role", role), username, () -> {
            try {
                return raw.put(userRecord(username), SecretValue.ofFields(Map.of("hash",
                        hasher.hash(password.toCharArray()), "role", role)), WriteCondition.createOnly());
            } catch (VersionConflictException e) {
                throw new HttpError(409, "Conflict", "The user " + username + " exists.");
            }
        });
        json(exchange, 201, JSON.createObjectNode().put("username", username).put("role", role));
    }

    private static String userRecord(String username) {
        return "users/" + username;
    }

    private static void requireUserName(String username) {
        if (!USER.matcher(username).matches()) {
            throw new HttpError(400, "Bad Request", "A user name is 3 to 64 of a-z, 0-9, . _ -, starting with a letter.");
        }
    }

    private static void requirePasswordRule(String password) {
        if (password.length() < MIN_PASSWORD_LENGTH || password.length() > PasswordHasher.MAX_PASSWORD_LENGTH) {
            throw new HttpError(400, "Bad Request", PASSWORD_RULE);
        }
    }

    /** Who acts: the authenticated user, from the client's address, with its user agent. */
    private Actor actor(Principal principal, HttpExchange exchange) {
        return Actor.user(principal.subject()).fromClient(clientAddress(exchange),
                exchange.getRequestHeaders().getFirst("User-Agent"));
    }

    /** An ADMIN event of {@code type} by {@code principal} on the user {@code username}. */
    private AuditEvent.Builder event(String type, String action, Principal principal, HttpExchange exchange,
            String username) {
        return AuditEvent.builder(AuditEvent.Category.ADMIN, type).actor(actor(principal, exchange)).action(action)
                .resource(Resource.of("user", username));
    }

    /**
     * Makes a change as the audit trail sees it: {@code event} recorded PENDING first (refused: the
     * AuditException is answered 503 and nothing changes), then the change, then its outcome:
     * SUCCESS, or FAILURE with the reason when the change throws (rethrown). A change whose outcome
     * cannot be recorded stands (its PENDING event is in the trail): logged, answered as done.
     */
    private <T> T audited(java.util.function.Supplier<AuditEvent.Builder> event, String target,
            java.util.function.Supplier<T> change) {
        AuditEvent pending = event.get().outcome(AuditEvent.Outcome.PENDING).build();
        audit.record(pending);
        T result;
        try {
            result = change.get();
        } catch (RuntimeException e) {
            try {
                audit.record(event.get().follows(pending).outcome(AuditEvent.Outcome.FAILURE)
                        .severity(AuditEvent.Severity.WARN).reason(e instanceof HttpError ? e.getMessage()
                                : e.getClass().getSimpleName()).build());
            } catch (AuditException notRecorded) {
                e.addSuppressed(notRecorded);
            }
            throw e;
        }
        try {
            audit.record(event.get().follows(pending).build());
        } catch (AuditException e) {
            tookEffect(new OutcomeNotRecordedException(pending.type(), target, java.util.OptionalInt.empty(), e));
        }
        return result;
    }

    /** Lifts a user's login lock for one network (and the user's delays); audited like every admin change. */
    private void unlock(HttpExchange exchange, Principal admin, Matcher m) throws IOException {
        m.matches();
        String username = URLDecoder.decode(m.group(1), StandardCharsets.UTF_8);
        requireUserName(username);
        ClientAddress network;
        try {
            network = clients.parse(text(body(exchange), "address"));
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, "Bad Request", "address: " + e.getMessage());
        }
        if (raw.find(userRecord(username)).isEmpty()) {
            throw new HttpError(404, "Not Found", "No user " + username + ".");
        }
        // Recorded before the lock is lifted (refused: 503, still locked), its outcome after.
        audited(() -> event("user.unlocked", "unlock", admin, exchange, username).detail("network", network.budgetKey()),
                username, () -> {
                    try {
                        throttle.unlock(username, network);
                    } catch (dev.infrakit.ratelimit.RateLimitException e) {
                        exchange.getResponseHeaders().set("Retry-After", AUDIT_RETRY_AFTER_SECONDS);
                        throw new HttpError(503, "Service Unavailable", "The login counters cannot be reached now; "
                                + "nothing was changed; try again later.");
                    }
                    return null;
                });
        json(exchange, 200, JSON.createObjectNode().put("username", username).put("network", network.budgetKey()));
    }

    /** Ends the session of the token this request carries: it is refused everywhere within 1 s. */
    private void logout(HttpExchange exchange, Principal principal) throws IOException {
        if (principal.method() != Principal.Method.JWT) {
            throw new HttpError(400, "Bad Request", "Logout ends the session of a bearer token; an API key is revoked "
                    + "with DELETE /api/v1/apikeys/{id}.");
        }
        audited(() -> event("token.revoked", "revoke", principal, exchange, principal.subject())
                .detail("jti", principal.credentialId().orElse("")), principal.subject(), () -> {
                    revocations.revoke(principal);
                    return null;
                });
        empty(exchange, 204);
    }

    /**
     * {@code DELETE /api/v1/users/{name}} (admin, not oneself), {@code PUT …/password} (oneself with
     * the current password, or an admin for another user), {@code DELETE …/tokens} (oneself or an
     * admin): each audited with the acting user and address, and each ending the user's tokens.
     */
    private void user(HttpExchange exchange, Principal principal, String method, Matcher m) throws IOException {
        m.matches();
        String username = URLDecoder.decode(m.group(1), StandardCharsets.UTF_8);
        String sub = m.group(2);
        requireUserName(username);
        boolean self = principal.subject().equals(username) && principal.method() != Principal.Method.API_KEY;
        boolean admin = principal.hasRole("admin");
        if (sub == null && method.equals("DELETE")) {
            role(principal, "admin");
            if (principal.subject().equals(username)) {
                throw new HttpError(409, "Conflict", "An admin cannot delete their own account.");
            }
            deleteUser(exchange, principal, username);
        } else if ("/password".equals(sub) && method.equals("PUT")) {
            if (!self && !admin) {
                throw new HttpError(403, "Forbidden", "Only the user or an admin changes a password.");
            }
            changePassword(exchange, principal, username, self);
        } else if ("/tokens".equals(sub) && method.equals("DELETE")) {
            if (!self && !admin) {
                throw new HttpError(403, "Forbidden", "Only the user or an admin revokes a user's tokens.");
            }
            long epoch = audited(() -> event("user.tokens-revoked", "revoke", principal, exchange, username),
                    username, () -> revocations.revokeAll(username));
            json(exchange, 200, JSON.createObjectNode().put("username", username).put("epoch", epoch));
        } else {
            throw new HttpError(405, "Method Not Allowed", printable(method, 32) + " is not allowed here.");
        }
    }

    /**
     * Deletes the account, then revokes its tokens and API keys (in that order: a login racing the
     * deletion reads the new epoch only after the account is gone, so it cannot get a live token).
     */
    private void deleteUser(HttpExchange exchange, Principal admin, String username) throws IOException {
        if (raw.find(userRecord(username)).isEmpty()) {
            throw new HttpError(404, "Not Found", "No user " + username + ".");
        }
        int[] keys = {0};
        audited(() -> event("user.deleted", "delete", admin, exchange, username).detail("keys_revoked", keys[0]),
                username, () -> {
                    raw.deleteAll(userRecord(username));
                    revocations.revokeAll(username);
                    for (dev.infrakit.auth.ApiKeyRecord r : apiKeys.list(username)) {
                        if (!r.isRevoked()) {
                            try {
                                apiKeys.revoke(caller(admin, exchange), r.keyId());
                            } catch (OutcomeNotRecordedException e) {
                                tookEffect(e);
                            }
                            keys[0]++;
                        }
                    }
                    return null;
                });
        empty(exchange, 204);
    }

    /**
     * Writes the new hash, then revokes every token of the user (in that order: a login racing the
     * change reads the epoch before the hash, so one that passed with the old password carries an
     * epoch the revocation ends). The caller's own token ends too: log in again.
     */
    private void changePassword(HttpExchange exchange, Principal principal, String username, boolean self)
            throws IOException {
        JsonNode body = body(exchange);
        String next = text(body, "newPassword");
        requirePasswordRule(next);
        if (self) {
            // The current password, through the login throttle: a stolen token is no password oracle.
            char[] current = text(body, "currentPassword").toCharArray();
            AuthResult checked = throttle.attempt(username, clients.resolve(exchange), () -> checkPassword(username,
                    current));
            java.util.Arrays.fill(current, '\0');
            refuseFailedLogin(exchange, checked, "The current password is wrong.", 403);
        }
        Secret user = raw.find(userRecord(username)).orElseThrow(() -> new HttpError(404, "Not Found", "No user "
                + username + "."));
        String role = user.value().field("role").orElse("user");
        audited(() -> event("user.password-changed", "change-password", principal, exchange, username)
                .detail("by", self ? "self" : "admin"), username, () -> {
                    try {
                        raw.put(userRecord(username), SecretValue.ofFields(Map.of("hash", hasher.hash(next.toCharArray()),
                                "role", role)), WriteCondition.ifVersion(user.version()));
                    } catch (VersionConflictException e) {
                        throw new HttpError(409, "Conflict", "The user " + username + " changed meanwhile; try again.");
                    }
                    return revocations.revokeAll(username);
                });
        empty(exchange, 204);
    }

    /** The public keys that verify this service's tokens (current, next and those still needed). */
    private void jwks(HttpExchange exchange) throws IOException {
        try (exchange) {
            try {
                jwksDocument(exchange);
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(DemoService.class).error("GET /.well-known/jwks.json failed", e);
                exchange.getResponseHeaders().set("Retry-After", AUDIT_RETRY_AFTER_SECONDS);
                Problem.of(503, "Service Unavailable", "The keys cannot be read now; try again later.").send(exchange);
            }
        }
    }

    private void jwksDocument(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        if (!exchange.getRequestURI().getPath().equals("/.well-known/jwks.json")) {
            Problem.of(404, "Not Found", "No such document.").send(exchange);
            return;
        }
        if (!method.equals("GET") && !method.equals("HEAD")) {
            exchange.getResponseHeaders().set("Allow", "GET, HEAD");
            Problem.of(405, "Method Not Allowed", printable(method, 32) + " is not allowed here.").send(exchange);
            return;
        }
        byte[] body = tokenKeys.jwks().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/jwk-set+json");
        exchange.getResponseHeaders().set("Cache-Control", "public, max-age=" + JWKS_MAX_AGE.toSeconds());
        if (method.equals("HEAD")) {
            exchange.getResponseHeaders().set("Content-Length", Integer.toString(body.length));
            exchange.sendResponseHeaders(200, -1);
        } else {
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
        }
    }

    private void credential(HttpExchange exchange, Principal principal, String method, Matcher m) throws IOException {
        m.matches();
        String apiVersion = m.group(1);
        String app = URLDecoder.decode(m.group(2), StandardCharsets.UTF_8);
        String sub = m.group(3);
        if (!APP.matcher(app).matches()) {
            throw new HttpError(400, "Bad Request", "An app name is 1 to 100 letters, digits, . _ -.");
        }
        String name = "apps/" + app;
        role(principal, "user", "admin");
        if (apiVersion.equals("v2")) {
            if (sub != null || !method.equals("GET")) {
                throw new HttpError(404, "Not Found", "v2 offers GET /api/v2/credentials/{app}.");
            }
            Secret secret = acting(principal, exchange, () -> credentials.get(name));
            CredentialMetadata meta = raw.metadata(name).orElseThrow();
            ObjectNode body = JSON.createObjectNode().put("name", app);
            body.set("secret", fields(secret));
            ObjectNode metadata = body.putObject("metadata").put("version", secret.version())
                    .put("createdAt", secret.created().toString()).put("updatedAt", meta.updated().toString());
            metadata.set("labels", labels(rotation.status(name), secret.version()));
            json(exchange, 200, body);
            return;
        }
        if (sub == null && method.equals("GET")) {
            Secret secret = acting(principal, exchange, () -> credentials.get(name));
            CredentialMetadata meta = raw.metadata(name).orElseThrow();
            ObjectNode body = JSON.createObjectNode().put("app", app).put("version", secret.version())
                    .put("updatedAt", meta.updated().toString());
            body.set("credentials", fields(secret));
            exchange.getResponseHeaders().set("Deprecation", V1_DEPRECATED);
            exchange.getResponseHeaders().set("Link", "</api/v2/credentials/" + app + ">; rel=\"successor-version\"");
            json(exchange, 200, body);
        } else if (sub == null && method.equals("PUT")) {
            role(principal, "admin");
            JsonNode body = body(exchange);
            Map<String, String> fields = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> e : body.properties()) {
                if (e.getKey().isEmpty() || e.getKey().length() > 128 || e.getKey().chars().anyMatch(c ->
                        dev.infrakit.core.http.ClientText.isControl((char) c))) {
                    throw new HttpError(400, "Bad Request", "A field name is 1 to 128 characters without control "
                            + "characters.");
                }
                if (!e.getValue().isTextual()) {
                    throw new HttpError(400, "Bad Request", "Field '" + e.getKey() + "' must be a string.");
                }
                fields.put(e.getKey(), e.getValue().asText());
            }
            if (fields.isEmpty()) {
                throw new HttpError(400, "Bad Request", "A credential needs at least one field.");
            }
            int version;
            try {
                version = acting(principal, exchange, () -> credentials.put(name, SecretValue.ofFields(fields)));
            } catch (OutcomeNotRecordedException e) {
                version = tookEffect(e).version().orElseThrow(); // written, and its PENDING event recorded
            }
            json(exchange, version == 1 ? 201 : 200, JSON.createObjectNode().put("app", app).put("version", version));
        } else if (sub == null && method.equals("DELETE")) {
            role(principal, "admin");
            boolean existed;
            try {
                existed = acting(principal, exchange, () -> credentials.deleteAll(name));
            } catch (OutcomeNotRecordedException e) {
                tookEffect(e); // deleted (a delete of nothing throws a plain AuditException: 503)
                existed = true;
            }
            RotationEngine.builder(raw).build().forget(name); // its labels go with it
            if (!existed) {
                throw new HttpError(404, "Not Found", "No credential " + app + ".");
            }
            empty(exchange, 204);
        } else if ("/versions".equals(sub) && method.equals("GET")) {
            CredentialMetadata meta = acting(principal, exchange, () -> credentials.metadata(name))
                    .orElseThrow(() -> new HttpError(404, "Not Found", "No credential " + app + "."));
            ArrayNode versions = JSON.createArrayNode();
            RotationStatus status = rotation.status(name); // one read for the labels of every version
            for (VersionInfo v : meta.versions()) {
                ObjectNode node = versions.addObject().put("version", v.version()).put("createdAt", v.created().toString())
                        .put("deleted", v.deleted().isPresent()).put("destroyed", v.destroyed());
                node.set("labels", labels(status, v.version()));
            }
            json(exchange, 200, JSON.createObjectNode().put("app", app).set("versions", versions));
        } else if ("/rotate".equals(sub) && method.equals("POST")) {
            role(principal, "admin");
            // Through the audited store: a rotation of nothing is recorded as the failure it is.
            if (acting(principal, exchange, () -> credentials.metadata(name)).isEmpty()) {
                throw new HttpError(404, "Not Found", "No credential " + app + ".");
            }
            RotationEngine engine = RotationEngine.builder(raw).auditSink(audit)
                    .actor(Actor.user(principal.subject())).strategy(name,
                            RandomSecretStrategy.password(PasswordPolicy.defaults())).build();
            try {
                engine.rotate(name);
            } catch (OutcomeNotRecordedException e) {
                tookEffect(e);
                if (!e.operation().equals("rotation.finished")) {
                    // A failed rotation, rolled back: an error, as any failed rotation (not "nothing changed").
                    throw new HttpError(500, "Internal Server Error", "The rotation failed and was rolled back; see "
                            + "the server log.");
                }
            }

            json(exchange, 200, JSON.createObjectNode().put("app", app).put("version", engine.current(name).version()));
        } else {
            throw new HttpError(405, "Method Not Allowed", printable(method, 32) + " is not allowed here.");
        }
    }

    private static ObjectNode fields(Secret secret) {
        ObjectNode fields = JSON.createObjectNode();
        for (String f : secret.value().fieldNames()) {
            fields.put(f, secret.value().field(f).orElse(""));
        }
        return fields;
    }

    private static ArrayNode labels(RotationStatus status, int version) {
        ArrayNode labels = JSON.createArrayNode();
        for (RotationStatus.Label label : status.labels(version)) {
            labels.add(label.name());
        }
        return labels;
    }

    /**
     * The query parameters, strictly: malformed encoding, invalid UTF-8, control characters, a
     * repeated or over-long parameter are a 400 naming it (IllegalArgumentException), never a value
     * reaching SQL or a record.
     */
    private static Map<String, String> query(HttpExchange exchange) {
        return dev.infrakit.core.http.QueryParameters.parse(exchange.getRequestURI().getRawQuery(), 256).asMap();
    }

    private void auditQuery(HttpExchange exchange) throws IOException {
        Map<String, String> q = query(exchange);
        AuditQuery.Builder query = AuditQuery.builder();
        if (q.containsKey("actor")) {
            query.actor(q.get("actor"));
        }
        if (q.containsKey("type")) {
            query.type(q.get("type"));
        }
        if (q.containsKey("since")) {
            try {
                query.between(Instant.parse(q.get("since")), Instant.now().plusSeconds(60));
            } catch (java.time.format.DateTimeParseException e) {
                throw new HttpError(400, "Bad Request", "since is an ISO-8601 instant, e.g. 2026-01-01T00:00:00Z.");
            }
        }
        int limit = 100;
        if (q.containsKey("limit")) {
            try {
                limit = Integer.parseInt(q.get("limit"));
            } catch (NumberFormatException e) {
                limit = 0; // out of range, answered below
            }
            if (limit < 1 || limit > MAX_AUDIT_LIMIT) {
                throw new HttpError(400, "Bad Request", "limit is 1 to " + MAX_AUDIT_LIMIT + ", got "
                        + printable(q.get("limit"), 32) + ".");
            }
        }
        query.limit(limit);
        ArrayNode events = JSON.createArrayNode();
        for (AuditRecord r : auditLog.query(query.build())) {
            events.add(JSON.readTree(r.json()));
        }
        json(exchange, 200, JSON.createObjectNode().set("events", events));
    }

    private static void json(HttpExchange exchange, int status, JsonNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static void empty(HttpExchange exchange, int status) throws IOException {
        exchange.sendResponseHeaders(status, -1);
    }

    /**
     * Stops: readiness turns DOWN at once, new requests are still served for the drain period (so a
     * load balancer can stop sending), then the server stops accepting, in-flight requests finish,
     * and the audit log is flushed and closed.
     */
    @Override
    public void close() {
        draining = true;
        try {
            Thread.sleep(settings.drain.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        server.stop(1); // then in-flight requests get a second to finish
        executor.shutdown();
        if (backups != null) {
            backups.cancel();
            backupExecutor.shutdownNow(); // a running pg_dump is stopped, its staging discarded
            try {
                backupExecutor.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (keyRotation != null) {
            keyRotation.cancel();
        }
        delays.shutdownNow();
        close(raw, audit);
        limiter.close();
        if (pool != null) {
            pool.close();
        }
        if (dataLock != null) {
            dataLock.close();
        }
    }

    private static void close(AutoCloseable... all) {
        for (AutoCloseable c : all) {
            try {
                c.close();
            } catch (Exception e) {
                org.slf4j.LoggerFactory.getLogger(DemoService.class).warn("Closing {} failed: {}", c,
                        printable(e.getMessage(), 1000));
            }
        }
    }
}
