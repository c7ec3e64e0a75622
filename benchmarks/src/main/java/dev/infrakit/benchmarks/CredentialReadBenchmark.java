package dev.infrakit.benchmarks;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.zaxxer.hikari.HikariDataSource;
import dev.infrakit.audit.Durability;
import dev.infrakit.core.Config;
import dev.infrakit.core.DataSources;
import dev.infrakit.audit.JsonLinesAuditSink;
import dev.infrakit.credentials.AuditedCredentialStore;
import dev.infrakit.credentials.CachingCredentialStore;
import dev.infrakit.credentials.CredentialStore;
import dev.infrakit.credentials.InMemoryCredentialStore;
import dev.infrakit.credentials.KeyRing;
import dev.infrakit.credentials.MasterKey;
import dev.infrakit.credentials.PostgresCredentialStore;
import dev.infrakit.credentials.Secret;
import dev.infrakit.credentials.SecretValue;
import dev.infrakit.testkit.EphemeralPostgres;
import dev.infrakit.testkit.TestDatabase;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Reading one credential. Cached: {@link CachingCredentialStore} (read auditing off) against a bare
 * Caffeine {@code getIfPresent} of the same {@link Secret}, which is what a hand-rolled cache in
 * front of a secret store costs; and the cached read audited into an ASYNC JSON-lines sink, for the
 * record.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CredentialReadBenchmark {
    static final String NAME = "apps/billing/db";

    /** The Infrakit cache over an in-memory store holding one credential. */
    @State(Scope.Benchmark)
    public static class Cached {
        CachingCredentialStore cache;

        @Setup
        public void setUp() {
            InMemoryCredentialStore store = InMemoryCredentialStore.create();
            store.put(NAME, SecretValue.login("billing", "correct horse battery staple", "postgres://db/billing"));
            cache = CachingCredentialStore.builder(store).build();
            cache.get(NAME);
        }

        @TearDown
        public void tearDown() {
            cache.close();
        }
    }

    /** A bare Caffeine cache holding the same secret. */
    @State(Scope.Benchmark)
    public static class Raw {
        Cache<String, Secret> cache;

        @Setup
        public void setUp() {
            InMemoryCredentialStore store = InMemoryCredentialStore.create();
            store.put(NAME, SecretValue.login("billing", "correct horse battery staple", "postgres://db/billing"));
            cache = Caffeine.newBuilder().maximumSize(10_000).build();
            cache.put(NAME, store.get(NAME));
        }
    }

    /** The cache with every read audited into an ASYNC JSON-lines sink. */
    @State(Scope.Benchmark)
    public static class CachedAudited {
        Path dir;
        JsonLinesAuditSink sink;
        CachingCredentialStore cache;
        CredentialStore audited;

        @Setup
        public void setUp() throws IOException {
            dir = Files.createTempDirectory(Path.of("."), "credential-audit");
            sink = JsonLinesAuditSink.builder(dir, AuditSinkBenchmark.KEY).durability(Durability.ASYNC)
                    .queue(Durability.QueueFull.BLOCK, 8192).build();
            InMemoryCredentialStore store = InMemoryCredentialStore.create();
            store.put(NAME, SecretValue.login("billing", "correct horse battery staple", "postgres://db/billing"));
            cache = CachingCredentialStore.builder(store).build();
            audited = AuditedCredentialStore.builder(cache, sink).build();
        }

        @TearDown
        public void tearDown() throws IOException {
            cache.close();
            sink.close();
            TempFiles.deleteTree(dir);
        }
    }

    /**
     * A PostgreSQL server (started for the run) holding the credential: Infrakit's store reading it
     * uncached (one query joining the credential and its versions, then the JWE decrypted) against
     * one plain JDBC {@code SELECT} of the stored record by primary key, through the same pool.
     * The teardown prints the statements per read counted by {@code pg_stat_statements}.
     */
    @State(Scope.Benchmark)
    public static class Postgres {
        EphemeralPostgres server;
        HikariDataSource pool;
        PostgresCredentialStore store;

        @Setup
        public void setUp() throws Exception {
            server = EphemeralPostgres.builder().setting("shared_preload_libraries", "pg_stat_statements").start();
            TestDatabase db = server.createDatabase("bench");
            try (Connection c = db.connect(); Statement s = c.createStatement()) {
                s.execute("CREATE EXTENSION pg_stat_statements");
            }
            pool = DataSources.create(Config.of(Map.of("url", db.jdbcUrl(), "username", db.username(), "password",
                    db.password(), "pool-size", "4")));
            PostgresCredentialStore.createSchema(pool);
            store = PostgresCredentialStore.builder(pool, KeyRing.of(MasterKey.generate())).build();
            store.put(NAME, SecretValue.login("billing", "correct horse battery staple", "postgres://db/billing"));
            try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
                s.execute("SELECT pg_stat_statements_reset()");
            }
        }

        @TearDown
        public void tearDown() throws Exception {
            try (Connection c = pool.getConnection(); Statement s = c.createStatement();
                    ResultSet r = s.executeQuery("SELECT query, calls FROM pg_stat_statements WHERE calls > 100 "
                            + "ORDER BY calls DESC")) {
                while (r.next()) {
                    System.out.println("\n  pg_stat_statements: " + r.getLong(2) + " calls of " + r.getString(1));
                }
            }
            store.close();
            pool.close();
            server.close();
        }
    }

    @Benchmark
    public Secret infrakitPostgres(Postgres state) {
        return state.store.get(NAME);
    }

    @Benchmark
    public String jdbcSelectOne(Postgres state) throws Exception {
        try (Connection c = state.pool.getConnection();
                PreparedStatement p = c.prepareStatement("SELECT data FROM infrakit_credential_version WHERE name = ? "
                        + "AND version = ?")) {
            p.setString(1, NAME);
            p.setInt(2, 1);
            try (ResultSet r = p.executeQuery()) {
                r.next();
                return r.getString(1);
            }
        }
    }

    @Benchmark
    public Secret infrakitCached(Cached state) {
        return state.cache.get(NAME);
    }

    @Benchmark
    public Secret caffeineRaw(Raw state) {
        return state.cache.getIfPresent(NAME);
    }

    @Benchmark
    public Secret infrakitCachedAudited(CachedAudited state) {
        return state.audited.get(NAME);
    }
}
