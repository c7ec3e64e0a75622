package dev.infrakit.credentials.internal;

import com.zaxxer.hikari.HikariDataSource;
import dev.infrakit.core.Config;
import dev.infrakit.core.DataSources;
import dev.infrakit.credentials.CachingCredentialStore;
import dev.infrakit.credentials.CredentialChangeListener;
import dev.infrakit.credentials.CredentialChanges;
import dev.infrakit.credentials.CredentialStore;
import dev.infrakit.credentials.CredentialStoreProvider;
import dev.infrakit.credentials.FileCredentialStore;
import dev.infrakit.credentials.ForwardingCredentialStore;
import dev.infrakit.credentials.InMemoryCredentialStore;
import dev.infrakit.credentials.KeyRing;
import dev.infrakit.credentials.MasterKey;
import dev.infrakit.credentials.PostgresCredentialStore;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@link CredentialStoreProvider}s infra-credentials registers with ServiceLoader. Keys under
 * {@code infrakit.credentials}: {@code max-versions} (10) for every store; the master key for the
 * encrypted ones as {@code master-key} (base64), {@code master-key-file}, or the environment
 * variable named by {@code master-key-env} (default {@code INFRAKIT_MASTER_KEY}), and older keys
 * still needed for reading as {@code old-master-key-files} (a list); and, to put the cache in
 * front, {@code cache.enabled} (false), {@code cache.refresh-after} (5m), {@code cache.expire-after}
 * (15m), {@code cache.stale-if-error} (15m), {@code cache.maximum-size} (10000), {@code cache.metadata}
 * (false: cache {@code metadata(name)} too).
 */
public final class BuiltInCredentialStores {
    private BuiltInCredentialStores() {
    }

    static int maxVersions(Config c) {
        int max = c.getInt("max-versions", RecordStore.DEFAULT_MAX_VERSIONS);
        if (max < 1 || max > CredentialRecord.MAX_VERSIONS_LIMIT) {
            throw c.invalid("max-versions", "expected 1 to " + CredentialRecord.MAX_VERSIONS_LIMIT);
        }
        return max;
    }

    /** The key ring from configuration. */
    static KeyRing keyRing(Config c) {
        MasterKey primary;
        try {
            if (c.has("master-key")) {
                primary = MasterKey.fromBase64(c.getString("master-key"));
            } else if (c.has("master-key-file")) {
                primary = MasterKey.fromFile(Path.of(c.getString("master-key-file")));
            } else {
                String variable = c.getString("master-key-env", "INFRAKIT_MASTER_KEY");
                if (System.getenv(variable) == null) {
                    throw c.invalid("master-key", "a master key: master-key (base64), master-key-file, or the "
                            + "environment variable " + variable);
                }
                primary = MasterKey.fromEnvironment(variable);
            }
        } catch (IllegalArgumentException e) {
            throw c.invalid(c.has("master-key") ? "master-key" : c.has("master-key-file") ? "master-key-file"
                    : "master-key-env", "a usable master key: " + e.getMessage());
        }
        List<MasterKey> older = new ArrayList<>();
        for (String file : c.getList("old-master-key-files", List.of())) {
            try {
                older.add(MasterKey.fromFile(Path.of(file)));
            } catch (IllegalArgumentException e) {
                throw c.invalid("old-master-key-files", "readable master key files: " + e.getMessage());
            }
        }
        return KeyRing.of(primary, older.toArray(new MasterKey[0]));
    }

    /** Puts the cache in front when {@code cache.enabled}. */
    static CredentialStore cached(Config c, CredentialStore store) {
        Config cache = c.section("cache");
        if (!cache.getBoolean("enabled", false)) {
            return store;
        }
        try {
            CachingCredentialStore.Builder b = CachingCredentialStore.builder(store)
                    .refreshAfter(positive(cache, "refresh-after", Duration.ofMinutes(5)))
                    .expireAfter(positive(cache, "expire-after", Duration.ofMinutes(15)))
                    .staleIfError(cache.getDuration("stale-if-error", Duration.ofMinutes(15)));
            long size = cache.getLong("maximum-size", 10_000);
            if (size < 1) {
                throw cache.invalid("maximum-size", "expected at least 1");
            }
            return b.maximumSize(size).cacheMetadata(cache.getBoolean("metadata", false)).build();
        } catch (IllegalArgumentException e) {
            throw cache.invalid("refresh-after", "refresh-after not above expire-after (" + e.getMessage() + ")");
        }
    }

    private static Duration positive(Config c, String key, Duration defaultValue) {
        Duration d = c.getDuration(key, defaultValue);
        if (d.isZero()) {
            throw c.invalid(key, "expected a positive duration");
        }
        return d;
    }

    /** {@code memory}: {@link InMemoryCredentialStore}. */
    public static final class Memory implements CredentialStoreProvider {
        @Override
        public String name() {
            return "memory";
        }

        @Override
        public String description() {
            return "Credentials in memory (lost on exit; not encrypted)";
        }

        @Override
        public CredentialStore create(Config config) {
            Config c = config.section("infrakit.credentials");
            return cached(c, InMemoryCredentialStore.builder().maxVersions(maxVersions(c)).build());
        }
    }

    /**
     * {@code file}: {@link FileCredentialStore}, in the directory {@code file.dir} or the single
     * file {@code file.path}; {@code file.upgrade-unauthenticated} and {@code file.rebuild-manifest}
     * (false) are the builder's one-off recoveries.
     */
    public static final class File implements CredentialStoreProvider {
        @Override
        public String name() {
            return "file";
        }

        @Override
        public String description() {
            return "Encrypted JSON files (one per credential, or one file), safe for several processes";
        }

        @Override
        public CredentialStore create(Config config) {
            Config c = config.section("infrakit.credentials");
            Config file = c.section("file");
            KeyRing ring = keyRing(c);
            FileCredentialStore.Builder builder;
            if (file.has("dir")) {
                builder = FileCredentialStore.directory(Path.of(file.getString("dir")), ring);
            } else if (file.has("path")) {
                builder = FileCredentialStore.singleFile(Path.of(file.getString("path")), ring);
            } else {
                throw file.invalid("dir", "a directory (file.dir) or a single file (file.path) for the credentials");
            }
            // The recoveries of FileCredentialStore.Builder, for one start by an operator; never defaults.
            if (file.getBoolean("upgrade-unauthenticated", false)) {
                builder.upgradeUnauthenticatedStore();
            }
            if (file.getBoolean("rebuild-manifest", false)) {
                builder.rebuildManifest();
            }
            return cached(c, builder.maxVersions(maxVersions(c)).build());
        }
    }

    /**
     * {@code postgres}: {@link PostgresCredentialStore} on a pool configured under
     * {@code infrakit.credentials.postgres} (as {@link DataSources} reads it), creating the schema
     * unless {@code postgres.create-schema} is false. Closing the store closes the pool.
     */
    public static final class Postgres implements CredentialStoreProvider {
        @Override
        public String name() {
            return "postgres";
        }

        @Override
        public String description() {
            return "Encrypted rows in PostgreSQL, with LISTEN/NOTIFY change notifications";
        }

        @Override
        public CredentialStore create(Config config) {
            Config c = config.section("infrakit.credentials");
            Config pg = c.section("postgres");
            KeyRing ring = keyRing(c);
            int max = maxVersions(c);
            return DataSources.withPool(pg, pool -> {
                if (pg.getBoolean("create-schema", true)) {
                    PostgresCredentialStore.createSchema(pool);
                }
                return cached(c, new PoolClosing(PostgresCredentialStore.builder(pool, ring).maxVersions(max).build(),
                        pool));
            });
        }
    }

    /** A PostgreSQL store that closes its pool with it, still reporting changes. */
    static final class PoolClosing extends ForwardingCredentialStore implements CredentialChanges {
        private final PostgresCredentialStore store;
        private final HikariDataSource pool;

        PoolClosing(PostgresCredentialStore store, HikariDataSource pool) {
            super(store);
            this.store = store;
            this.pool = pool;
        }

        @Override
        public AutoCloseable subscribe(CredentialChangeListener listener) {
            return store.subscribe(listener);
        }

        @Override
        public void close() {
            try {
                super.close();
            } finally {
                pool.close();
            }
        }

        @Override
        public String toString() {
            return store.toString();
        }
    }
}
