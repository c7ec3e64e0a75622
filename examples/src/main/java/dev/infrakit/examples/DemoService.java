package dev.infrakit.examples;

import dev.infrakit.audit.AuditLog;
import dev.infrakit.audit.AuditSink;
import dev.infrakit.audit.CheckpointKeys;
import dev.infrakit.audit.CondensingAuditSink;
import dev.infrakit.auth.ApiKeys;
import dev.infrakit.auth.LoginThrottle;
import dev.infrakit.auth.PasswordHasher;
import dev.infrakit.auth.Principal;
import dev.infrakit.auth.TokenIssuer;
import dev.infrakit.auth.TokenKeys;
import dev.infrakit.auth.TokenRevocations;
import dev.infrakit.auth.TokenVerifier;
import dev.infrakit.core.health.HealthCheck;
import dev.infrakit.core.health.HealthRegistry;
import dev.infrakit.core.health.HealthResult;
import dev.infrakit.core.http.ClientAddress;
import dev.infrakit.core.http.ClientText;
import dev.infrakit.core.notify.Notifier;
import dev.infrakit.core.notify.WebhookNotifier;
import dev.infrakit.core.schedule.ScheduledJob;
import dev.infrakit.credentials.AuditedCredentialStore;
import dev.infrakit.credentials.CachingCredentialStore;
import dev.infrakit.credentials.CredentialStore;
import dev.infrakit.credentials.MasterKey;
import dev.infrakit.credentials.rotation.RotationEngine;
import dev.infrakit.ratelimit.RateLimitKey;
import dev.infrakit.ratelimit.RateLimitPolicy;
import dev.infrakit.ratelimit.RateLimiter;
import dev.infrakit.ratelimit.SlowDown;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.interfaces.ECPrivateKey;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The demo service on embedded defaults (an encrypted file credential store, an in-memory rate
 * limiter and audit files under the data directory) or on PostgreSQL, composed only from Infrakit's
 * public API. This class wires the service objects together and owns their lifecycle; the HTTP side
 * is {@link DemoWeb} on a {@link DemoServer}.
 */
final class DemoService implements AutoCloseable {
    /** How often each instance reads the token signing keys again (a new key's grace must be longer). */
    static final Duration TOKEN_KEY_REFRESH = Duration.ofSeconds(30);
    /** How long verifiers may cache the JWKS document: well within the grace before a new key signs. */
    static final Duration JWKS_MAX_AGE = Duration.ofSeconds(60);
    /** How often the audit sinks sign a checkpoint while events arrive (and on stop). */
    static final Duration CHECKPOINT_INTERVAL = Duration.ofSeconds(10);
    /** The first-stage tier: every request of one client address. */
    static final String CLIENT_TIER = "client";
    /** What a refused credential costs its client address in the first stage, besides the request itself. */
    static final long AUTH_FAILURE_COST = 10;
    /** The refusals a flood produces: recorded five per address and type per 15 minutes, the rest counted. */
    static final String[] CONDENSED_TYPES = {"auth.invalid-token", "auth.ambiguous-credentials", "api-key.rejected",
        "auth.denied"};
    /** The password rule for every account: user creation and {@code admin reset-password}. */
    static final int MIN_PASSWORD_LENGTH = 12;
    static final String PASSWORD_RULE = "A password has " + MIN_PASSWORD_LENGTH + " to "
            + PasswordHasher.MAX_PASSWORD_LENGTH + " characters.";

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
        /** A connection silent this long (mid-request or idle between requests) is closed. */
        Duration readTimeout = Duration.ofSeconds(10);
        /** The most threads serving requests. */
        int maxThreads = 200;
        /** The most jobs waiting for a thread; past it Jetty refuses work rather than queue without end. */
        int maxQueued = 1024;
        /** The most bytes of request line and header fields (414 / 431 past it). */
        int maxHeaderBytes = 16 * 1024;
        Duration tokenTtl = Duration.ofMinutes(15);
        /** A new token signing key this often (null: never). */
        Duration tokenKeyRotation = Duration.ofDays(30);
        /** How long a new signing key is published before it signs. */
        Duration tokenKeyGrace = Duration.ofMinutes(10);
        int maxBody = 64 * 1024;
        int passwordIterations = PasswordHasher.DEFAULT_ITERATIONS;
        boolean trustProxy;
        /** Whether verified bearer tokens are cached (their signature checked once; see TokenVerifier.Builder.cache). */
        boolean tokenCache = true;
        /**
         * How long the hot paths are exercised at start ({@link DemoWarmUp}) before readiness turns UP; zero: not
         * at all, ready at once ({@code serve}'s {@code --warm-up} defaults to {@link ServeCommand#DEFAULT_WARM_UP}).
         */
        Duration warmUp = Duration.ZERO;
        /** Anonymous budgets are counted per IPv6 prefix of this many bits (IPv4: per address). */
        int ipv6Prefix = 64;
        long slowdownAfter;
        /** The most live API keys per user. */
        int maxApiKeys = ApiKeys.DEFAULT_MAX_LIVE_KEYS;
        Duration slowdownStep = Duration.ofMillis(500);
        Duration slowdownMax = Duration.ofSeconds(20);
        java.net.URI alertWebhook;
        JdbcUrl jdbcUrl;
        /** Rate limits and login budgets in Redis (null: in PostgreSQL with --jdbc-url, else in memory). */
        RedisUrl redisUrl;
        Path backupRepo;
        /** Where each backup is also copied, encrypted under a key derived from the master key (null: nowhere). */
        String backupOffsite;
        /** The S3 connection of an s3:// {@code backupOffsite}. */
        BackupRepositories.S3Settings backupS3;
        /**
         * {@code --backup-mode continuous}: base backups of the whole server, and its WAL archived
         * continuously (false: pg_dump of the database).
         */
        boolean continuousBackup;
        Duration backupEvery = Duration.ofHours(1);
        /** What the scheduled backups delete: nothing unless {@code --backup-retention} is given. */
        dev.infrakit.backup.RetentionPolicy backupRetention = dev.infrakit.backup.RetentionPolicy.keepAll();
        /** Whether {@code --backup-retention} was given (continuous mode then also prunes archived WAL). */
        boolean backupRetentionGiven;
        /** The backups' clock (tests move it). */
        java.time.Clock backupClock = java.time.Clock.systemUTC();
        /** Runs the backups (null: a thread of the service's own; tests pass one they drive). */
        ScheduledExecutorService backupExecutor;
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

        DemoServer.Limits limits() {
            return new DemoServer.Limits(port, readTimeout, maxThreads, maxQueued, 128, maxHeaderBytes);
        }
    }

    private final Settings settings;
    /** Embedded: the data directory is this process's alone while it runs (null with --jdbc-url). */
    private final DataDirectoryLock dataLock;
    private final DemoStores stores;
    /** What every component records to: the trail, condensing floods of refusals. */
    private final AuditSink audit;
    private final RateLimiter limiter;
    /** Slow-down delays and token key rotation: one daemon thread that only times and dispatches. */
    private final ScheduledExecutorService delays;
    private final ScheduledJob keyRotation;
    private final DemoBackups backups;
    private final DemoServer server;
    private volatile boolean draining;
    /** True until the warm-up has ended (readiness DOWN meanwhile); false at once without one. */
    private volatile boolean warming;
    private volatile boolean stopWarmUp;
    private final Thread warmUpThread;

    private DemoService(Settings s, PrintStream out, DataDirectoryLock dataLock) throws IOException {
        this.settings = s;
        this.dataLock = dataLock;
        // Before the server listens: no readiness probe may find it ready before its warm-up began.
        this.warming = !s.warmUp.isZero();
        ClientAddress.Resolver clients = ClientAddress.resolver().trustedProxies(s.trustProxy ? 1 : 0)
                .ipv6PrefixLength(s.ipv6Prefix).build();
        MasterKey master = masterKey(s);
        ECPrivateKey checkpointKey = (ECPrivateKey) CheckpointKeys.loadOrCreate(s.auditCheckpointKey(),
                AuditCommand.publicKeyFile(s.auditCheckpointKey())).getPrivate();
        PrometheusMeterRegistry metrics = DemoMetrics.create();
        this.stores = DemoStores.open(s, master, master.derive(AuditCommand.CHAIN_KEY_PURPOSE), checkpointKey, metrics);
        AuditLog auditLog = stores.auditLog();
        this.audit = CondensingAuditSink.builder(auditLog).types(CONDENSED_TYPES).perAddress(5)
                .window(Duration.ofMinutes(15)).build();
        CredentialStore raw = stores.store();
        // Metadata cached with the values (a read shows its version times): no store read per request.
        CachingCredentialStore cached = CachingCredentialStore.builder(raw).refreshAfter(Duration.ofMinutes(1))
                .expireAfter(Duration.ofMinutes(5)).cacheMetadata(true).build();
        TokenKeys keys = TokenKeys.builder(raw).grace(s.tokenKeyGrace).refresh(TOKEN_KEY_REFRESH)
                .tokenLifetime(s.tokenTtl, Duration.ofSeconds(60)).auditSink(audit).build();
        TokenRevocations revocations = TokenRevocations.builder(raw).build();
        TokenIssuer issuer = TokenIssuer.builder(keys).issuer("infrakit-demo").audience("infrakit-demo")
                .ttl(s.tokenTtl).build();
        TokenVerifier.Builder verifying = TokenVerifier.builder(keys).issuer("infrakit-demo").audience("infrakit-demo")
                .revocations(revocations);
        if (s.tokenCache) {
            // The signature is most of an authenticated request's work: checked once per token, not per request.
            verifying.cache(100_000, Duration.ofMinutes(5));
        }
        TokenVerifier verifier = verifying.build();
        verifier.cacheMetrics().bindTo(metrics);
        ApiKeys apiKeys = ApiKeys.builder(stores.keyStore()).auditSink(audit).maxLiveKeys(s.maxApiKeys).build();
        // Login budgets in the limiter's store: with --jdbc-url or --redis-url shared by every instance.
        LoginThrottle.Builder throttleBuilder = LoginThrottle.builder().auditSink(audit);
        RateLimiter.Builder limits = RateLimiter.builder().tier(RateLimitPolicy.parse(CLIENT_TIER, s.rateClient))
                .tier(policy("anonymous", s.rateAnonymous, s)).tier(policy("user", s.rateUser, s))
                .tier(policy("admin", s.rateAdmin, s)).defaultTier("anonymous");
        if (stores.limits() != null) {
            throttleBuilder.store(stores.limits());
            limits.store(stores.limits());
        }
        this.limiter = limits.build();
        LoginThrottle throttle = throttleBuilder.build();
        PasswordHasher hasher = s.passwordIterations >= PasswordHasher.MIN_ITERATIONS
                ? PasswordHasher.builder().iterations(s.passwordIterations).build()
                : PasswordHasher.forTesting(s.passwordIterations);
        Accounts accounts = new Accounts(raw, hasher);
        this.delays = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "infrakit-demo-slowdown");
            t.setDaemon(true);
            return t;
        });
        ScheduledJob rotationJob = null;
        DemoBackups backupJobs = null;
        try {
            accounts.ensureAdmin(s.adminPassword, out);
            // Every instance may check: one key is added per period between them, also across restarts.
            rotationJob = s.tokenKeyRotation == null ? null : keys.scheduleRotation(s.tokenKeyRotation, delays);
            DemoWeb.bindMetrics(metrics, cached, auditLog, limiter, s.dataDir);
            Notifier notifier = s.alertWebhook == null ? null : WebhookNotifier.builder(s.alertWebhook).build();
            HealthRegistry health = health(auditLog, notifier);
            backupJobs = DemoBackups.start(s, stores.pool(), BackupRepositories.derived(master), audit, notifier, health,
                    metrics);
            AuditedChanges changes = new AuditedChanges(audit);
            ApiServlet.RouteTable routes = new ApiServlet.RouteTable().param("name", Accounts.USER, Accounts.USER_RULE);
            new SessionRoutes(accounts, throttle, issuer, revocations, changes, s.tokenTtl).addTo(routes);
            new UserRoutes(accounts, throttle, revocations, apiKeys, clients, changes).addTo(routes);
            new ApiKeyRoutes(apiKeys).addTo(routes);
            new CredentialRoutes(raw, cached, AuditedCredentialStore.builder(cached, audit).build(),
                    RotationEngine.builder(raw).auditSink(audit).build(), audit).addTo(routes);
            new AuditRoutes(auditLog).addTo(routes);
            this.server = new DemoWeb(s, clients, metrics, limiter, delays, audit).server(routes, health,
                    verifier, apiKeys, p -> rateLimitKey(apiKeys, p), new JwksServlet(keys, JWKS_MAX_AGE));
            server.start();
        } catch (IOException | RuntimeException e) {
            if (rotationJob != null) {
                rotationJob.cancel();
            }
            if (backupJobs != null) {
                backupJobs.close();
            }
            delays.shutdownNow();
            closeQuietly(raw, audit);
            closeLimits();
            if (stores.pool() != null) {
                stores.pool().close();
            }
            throw e; // start() releases the lock
        }
        this.keyRotation = rotationJob;
        this.backups = backupJobs;
        this.warmUpThread = s.warmUp.isZero() ? null : startWarmUp(s.warmUp);
    }

    /**
     * Warms the hot paths in a throwaway instance on a thread of its own while this one serves (liveness UP,
     * readiness DOWN "warming up"); readiness turns UP when it ends. A warm-up that fails is logged and the
     * instance turns ready anyway: it is only slower at first.
     */
    private Thread startWarmUp(Duration budget) {
        org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(DemoService.class);
        Thread t = new Thread(() -> {
            try {
                DemoWarmUp.Result r = DemoWarmUp.run(settings, budget, () -> stopWarmUp);
                log.info("Warmed up in {} ms ({} credential reads, {} sign-ins in a throwaway instance): ready",
                        r.took().toMillis(), r.reads(), r.logins());
            } catch (Exception e) {
                if (!stopWarmUp) {
                    log.warn("The warm-up failed ({}); ready without it", ClientText.forLog(String.valueOf(
                            e.getMessage()), 500));
                }
            } finally {
                warming = false;
            }
        }, "infrakit-demo-warm-up");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Tier by role; subject the user name, also for an API key (a key draws on its owner's budget). */
    private static RateLimitKey rateLimitKey(ApiKeys apiKeys, Principal p) {
        return new RateLimitKey(p.hasRole("admin") ? "admin" : "user", apiKeys.rateLimitSubject(p));
    }

    private static RateLimitPolicy policy(String tier, String limit, Settings s) {
        RateLimitPolicy policy = RateLimitPolicy.parse(tier, limit);
        return s.slowdownAfter > 0 ? policy.withSlowDown(SlowDown.after(s.slowdownAfter, s.slowdownStep,
                s.slowdownMax)) : policy;
    }

    private HealthRegistry health(AuditLog auditLog, Notifier notifier) {
        HealthRegistry.Builder builder = HealthRegistry.builder().serviceId("infrakit-demo");
        if (notifier != null) {
            builder.notifier(notifier, Duration.ofMinutes(1));
        }
        HealthRegistry health = builder.build();
        health.register(HealthCheck.of("draining", () -> draining ? HealthResult.down("shutting down").build()
                : HealthResult.up().build()).groups(HealthCheck.READINESS).critical(true).build());
        // Not ready while the hot paths are being compiled: a load balancer sends traffic to warm instances only.
        health.register(HealthCheck.of("warm-up", () -> warming ? HealthResult.down("warming up").build()
                : HealthResult.up().build()).groups(HealthCheck.READINESS).critical(true).build());
        // Critical and in readiness (the sinks' checks are): while events cannot be recorded, every
        // change is refused (503), so the instance must leave the load balancer's rotation.
        auditLog.healthCheck().ifPresent(health::register);
        if (stores.pool() != null) {
            health.register(dev.infrakit.core.health.DataSourceHealthCheck.builder(stores.pool()).name("database")
                    .groups(HealthCheck.READINESS).build());
        }
        if (settings.redisUrl != null) {
            // Not critical: while Redis is away each instance limits on its own share (DEGRADED), still serving.
            HealthCheck store = stores.limits().healthCheck().orElseThrow();
            health.register(HealthCheck.of("redis", store::check).groups(HealthCheck.READINESS)
                    .timeout(store.timeout().orElse(Duration.ofSeconds(2))).build());
        }
        return health;
    }

    static DemoService start(Settings s, PrintStream out) throws IOException {
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
        return server.port();
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
        return Files.exists(file, LinkOption.NOFOLLOW_LINKS) ? MasterKey.fromFile(file) : MasterKey.generateToFile(file);
    }

    /**
     * Stops: readiness turns DOWN at once, new requests are still served for the drain period (so a
     * load balancer can stop sending), then the server stops accepting, in-flight requests get a
     * second to finish, and the audit log is flushed and closed.
     */
    @Override
    public void close() {
        draining = true;
        if (warmUpThread != null) {
            stopWarmUp = true;
            try {
                warmUpThread.join(TimeUnit.SECONDS.toMillis(15));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            Thread.sleep(settings.drain.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        server.stop();
        if (backups != null) {
            backups.close();
        }
        if (keyRotation != null) {
            keyRotation.cancel();
        }
        delays.shutdownNow();
        closeQuietly(stores.store(), audit);
        closeLimits();
        if (stores.pool() != null) {
            stores.pool().close();
        }
        if (dataLock != null) {
            dataLock.close();
        }
    }

    /** The limiter, and the shared store it does not own (its Redis client's threads stop here). */
    private void closeLimits() {
        if (limiter != null) {
            limiter.close();
        }
        if (stores.limits() != null) {
            closeQuietly(stores.limits());
        }
    }

    static void closeQuietly(AutoCloseable... all) {
        for (AutoCloseable c : all) {
            try {
                c.close();
            } catch (Exception e) {
                org.slf4j.LoggerFactory.getLogger(DemoService.class).warn("Closing {} failed: {}", c,
                        ClientText.forLog(e.getMessage(), 1000));
            }
        }
    }
}
