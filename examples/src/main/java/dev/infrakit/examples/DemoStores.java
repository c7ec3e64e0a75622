package dev.infrakit.examples;

import com.zaxxer.hikari.HikariDataSource;
import dev.infrakit.audit.AuditLog;
import dev.infrakit.audit.CheckpointStore;
import dev.infrakit.audit.Durability;
import dev.infrakit.audit.JsonLinesAuditSink;
import dev.infrakit.audit.PostgresAuditSink;
import dev.infrakit.auth.ApiKeyStore;
import dev.infrakit.auth.CredentialStoreApiKeyStore;
import dev.infrakit.auth.PostgresApiKeyStore;
import dev.infrakit.core.Config;
import dev.infrakit.core.DataSources;
import dev.infrakit.core.Providers;
import dev.infrakit.core.http.ClientText;
import dev.infrakit.credentials.CredentialStore;
import dev.infrakit.credentials.FileCredentialStore;
import dev.infrakit.credentials.KeyRing;
import dev.infrakit.credentials.MasterKey;
import dev.infrakit.credentials.PostgresCredentialStore;
import dev.infrakit.ratelimit.FailurePolicy;
import dev.infrakit.ratelimit.PostgresRateLimitStore;
import dev.infrakit.ratelimit.RateLimitStore;
import dev.infrakit.ratelimit.RateLimitStoreProvider;
import io.micrometer.core.instrument.MeterRegistry;

import java.security.interfaces.ECPrivateKey;
import java.util.HashMap;
import java.util.Map;

/**
 * Where the demo keeps its state: embedded (an encrypted file store, audit files; {@code pool} and
 * {@code limits} null: the limiter keeps its buckets in memory) or, with {@code --jdbc-url}, all of
 * it in PostgreSQL on one pool; with {@code --redis-url}, rate limits and login budgets in Redis
 * (beside either).
 */
record DemoStores(HikariDataSource pool, AuditLog auditLog, CredentialStore store, ApiKeyStore keyStore,
        RateLimitStore limits) {

    static DemoStores open(DemoService.Settings s, MasterKey master, byte[] chainKey, ECPrivateKey checkpointKey,
            MeterRegistry metrics) {
        if (s.jdbcUrl == null) {
            JsonLinesAuditSink files = JsonLinesAuditSink.builder(s.dataDir.resolve("audit"), chainKey)
                    .durability(Durability.DURABLE).checkpoints(checkpointKey, DemoService.CHECKPOINT_INTERVAL)
                    .checkpointStore(CheckpointStore.file(s.auditCheckpoints())).build();
            CredentialStore store = FileCredentialStore.directory(s.dataDir.resolve("credentials"), KeyRing.of(master))
                    .build();
            RateLimitStore limits;
            try {
                limits = s.redisUrl == null ? null : redis(s.redisUrl, "local-fallback");
            } catch (RuntimeException e) {
                DemoService.closeQuietly(files, store);
                throw e;
            }
            return new DemoStores(null, files, store, CredentialStoreApiKeyStore.create(store), limits);
        }
        Map<String, String> poolConfig = new HashMap<>(Map.of("url", s.jdbcUrl.poolUrl(), "username",
                s.jdbcUrl.user, "pool-size", "10",
                "pool-name", "infrakit-demo", "connection-timeout", "2s", "validation-timeout", "1s"));
        // 2 s, not Hikari's 30 s: while the database is down a request is answered (503) in seconds,
        // not held for half a minute per query.
        if (s.jdbcUrl.password != null) {
            poolConfig.put("password", s.jdbcUrl.password);
        }
        HikariDataSource pool = DataSources.create(Config.of(poolConfig), metrics);
        try {
            PostgresCredentialStore.createSchema(pool);
            PostgresAuditSink.createSchema(pool);
            PostgresApiKeyStore.createSchema(pool);
            // While the database (or Redis) is down, each instance limits on its own share (documented).
            RateLimitStore limits;
            if (s.redisUrl != null) {
                limits = redis(s.redisUrl, "local-fallback");
            } else {
                PostgresRateLimitStore.createSchema(pool);
                limits = PostgresRateLimitStore.builder(pool).failurePolicy(FailurePolicy.LOCAL_FALLBACK).build();
            }
            AuditLog audit = PostgresAuditSink.builder(pool, chainKey).durability(Durability.DURABLE)
                    .checkpoints(checkpointKey, DemoService.CHECKPOINT_INTERVAL).build();
            CredentialStore store = PostgresCredentialStore.builder(pool, KeyRing.of(master)).build();
            // Rows authenticated under the master key: SQL access alone cannot raise roles or clear a revocation.
            return new DemoStores(pool, audit, store, PostgresApiKeyStore.create(pool, KeyRing.of(master)), limits);
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
    }

    /**
     * Rate limits and login budgets in Redis, through the {@code redis} store provider: decisions
     * on the server's clock; while Redis is unreachable (500 ms command timeout, then a retry every
     * second) as {@code onFailure} says: the service limits each instance on its own share
     * ({@code local-fallback}), {@code users unlock} fails ({@code fail-closed}).
     *
     * @throws Args.UsageException if the URL is not a valid Redis URL (the value is not shown)
     * @throws IllegalStateException if Redis cannot be reached
     */
    static RateLimitStore redis(RedisUrl url, String onFailure) {
        Config config = Config.of(Map.of("infrakit.ratelimit.store", "redis", "infrakit.ratelimit.redis.uri", url.text(),
                "infrakit.ratelimit.redis.on-failure", onFailure, "infrakit.ratelimit.redis.command-timeout",
                "500ms", "infrakit.ratelimit.redis.key-prefix", "infrakit-demo:"));
        try {
            return Providers.load(RateLimitStoreProvider.class, config);
        } catch (RuntimeException e) {
            if (!(e.getCause() instanceof IllegalArgumentException)) {
                // Its message names the URL's host and port, never its password.
                throw new IllegalStateException("Cannot open the rate-limit store in Redis at " + url + ": "
                        + ClientText.forLog(e.getMessage(), 300), e);
            }
            throw new Args.UsageException("--redis-url is not a valid Redis URL (value not shown: it may hold a "
                    + "password); expected redis://host:port, rediss://host:port, redis-sentinel://host:port#primary or "
                    + "redis-cluster://host1:port1,host2:port2");
        }
    }
}
