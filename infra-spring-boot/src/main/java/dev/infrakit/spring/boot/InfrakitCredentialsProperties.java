package dev.infrakit.spring.boot;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code infrakit.credentials.*}: the {@code CredentialStore} bean, loaded through {@code Providers} (the store named by {@code store}), encrypted and cached as configured. Values are checked by Infrakit, whose errors name the key and never echo a key's text.
 */
@ConfigurationProperties(prefix = "infrakit.credentials")
public class InfrakitCredentialsProperties {

    /** Whether to create the store: true with no store named uses memory; false turns it off. */
    private Boolean enabled;

    /** The store: memory, file or postgres. */
    private String store;

    /** Versions kept per credential. Default 10. */
    private Integer maxVersions;

    /** The master key (file and postgres stores), base64 of 32 bytes. Secret: prefer master-key-file or master-key-env. */
    private String masterKey;

    /** A file holding the master key. */
    private String masterKeyFile;

    /** The environment variable holding the master key. Default INFRAKIT_MASTER_KEY. */
    private String masterKeyEnv;

    /** Files of older master keys still needed to read credentials written with them. */
    private List<String> oldMasterKeyFiles = new ArrayList<>();

    /** The file store. */
    private final File file = new File();

    /** The PostgreSQL store: its own pool. */
    private final Postgres postgres = new Postgres();

    /** The read cache in front of the store (needs Caffeine). */
    private final Cache cache = new Cache();

    /** Scheduled rotation by the application's {@code RotationEngine} bean. */
    private final Rotation rotation = new Rotation();

    /** Created by Spring. */
    public InfrakitCredentialsProperties() {
    }

    /** @return whether to create the store: true with no store named uses memory; false turns it off */
    public Boolean getEnabled() {
        return enabled;
    }

    /** @param enabled whether to create the store: true with no store named uses memory; false turns it off */
    public void setEnabled(Boolean enabled) {
        this.enabled = enabled;
    }

    /** @return the store: memory, file or postgres */
    public String getStore() {
        return store;
    }

    /** @param store the store: memory, file or postgres */
    public void setStore(String store) {
        this.store = store;
    }

    /** @return versions kept per credential */
    public Integer getMaxVersions() {
        return maxVersions;
    }

    /** @param maxVersions versions kept per credential */
    public void setMaxVersions(Integer maxVersions) {
        this.maxVersions = maxVersions;
    }

    /** @return the master key (file and postgres stores), base64 of 32 bytes */
    public String getMasterKey() {
        return masterKey;
    }

    /** @param masterKey the master key (file and postgres stores), base64 of 32 bytes */
    public void setMasterKey(String masterKey) {
        this.masterKey = masterKey;
    }

    /** @return a file holding the master key */
    public String getMasterKeyFile() {
        return masterKeyFile;
    }

    /** @param masterKeyFile a file holding the master key */
    public void setMasterKeyFile(String masterKeyFile) {
        this.masterKeyFile = masterKeyFile;
    }

    /** @return the environment variable holding the master key */
    public String getMasterKeyEnv() {
        return masterKeyEnv;
    }

    /** @param masterKeyEnv the environment variable holding the master key */
    public void setMasterKeyEnv(String masterKeyEnv) {
        this.masterKeyEnv = masterKeyEnv;
    }

    /** @return files of older master keys still needed to read credentials written with them */
    public List<String> getOldMasterKeyFiles() {
        return oldMasterKeyFiles;
    }

    /** @param oldMasterKeyFiles files of older master keys still needed to read credentials written with them */
    public void setOldMasterKeyFiles(List<String> oldMasterKeyFiles) {
        this.oldMasterKeyFiles = oldMasterKeyFiles;
    }

    /** @return the file settings: the file store */
    public File getFile() {
        return file;
    }

    /** @return the postgres settings: the PostgreSQL store: its own pool */
    public Postgres getPostgres() {
        return postgres;
    }

    /** @return the cache settings: the read cache in front of the store (needs Caffeine) */
    public Cache getCache() {
        return cache;
    }

    /** @return the scheduled rotation settings */
    public Rotation getRotation() {
        return rotation;
    }

    /**
     * Scheduled rotation of the credentials the application's {@code RotationEngine} bean rotates,
     * once across the instances sharing a {@code ClusterLock} bean.
     */
    public static class Rotation extends ScheduleProperties {

        /** The credentials to rotate (each needs a strategy in the engine). */
        private List<String> names = new ArrayList<>();

        /** Created by Spring. */
        public Rotation() {
        }

        /** @return the credentials to rotate */
        public List<String> getNames() {
            return names;
        }

        /** @param names the credentials to rotate (each needs a strategy in the engine) */
        public void setNames(List<String> names) {
            this.names = names;
        }
    }

    /**
     * The file store.
     */
    public static class File {

        /** Directory of the file store, one file per credential. */
        private String dir;

        /** Single file of the file store (instead of dir). */
        private String path;

        /** Created by Spring. */
        public File() {
        }

        /** @return directory of the file store, one file per credential */
        public String getDir() {
            return dir;
        }

        /** @param dir directory of the file store, one file per credential */
        public void setDir(String dir) {
            this.dir = dir;
        }

        /** @return single file of the file store (instead of dir) */
        public String getPath() {
            return path;
        }

        /** @param path single file of the file store (instead of dir) */
        public void setPath(String path) {
            this.path = path;
        }
    }

    /**
     * The PostgreSQL store: its own pool.
     */
    public static class Postgres extends InfrakitPoolProperties {

        /** Whether to create the tables at start. Default true. */
        private Boolean createSchema;

        /** Created by Spring. */
        public Postgres() {
        }

        /** @return whether to create the tables at start */
        public Boolean getCreateSchema() {
            return createSchema;
        }

        /** @param createSchema whether to create the tables at start */
        public void setCreateSchema(Boolean createSchema) {
            this.createSchema = createSchema;
        }
    }

    /**
     * The read cache in front of the store (needs Caffeine).
     */
    public static class Cache {

        /** Whether reads are cached. Default false. */
        private Boolean enabled;

        /** Age after which an entry is reloaded in the background. Default 5m. */
        private String refreshAfter;

        /** Age after which an entry is dropped. Default 15m. */
        private String expireAfter;

        /** How long a stale entry is served while the store fails. Default 15m. */
        private String staleIfError;

        /** Most entries kept. Default 10000. */
        private Long maximumSize;

        /** Whether credential metadata is cached too, with the values. Default false. */
        private Boolean metadata;

        /** Created by Spring. */
        public Cache() {
        }

        /** @return whether reads are cached */
        public Boolean getEnabled() {
            return enabled;
        }

        /** @param enabled whether reads are cached */
        public void setEnabled(Boolean enabled) {
            this.enabled = enabled;
        }

        /** @return age after which an entry is reloaded in the background */
        public String getRefreshAfter() {
            return refreshAfter;
        }

        /** @param refreshAfter age after which an entry is reloaded in the background */
        public void setRefreshAfter(String refreshAfter) {
            this.refreshAfter = refreshAfter;
        }

        /** @return age after which an entry is dropped */
        public String getExpireAfter() {
            return expireAfter;
        }

        /** @param expireAfter age after which an entry is dropped */
        public void setExpireAfter(String expireAfter) {
            this.expireAfter = expireAfter;
        }

        /** @return how long a stale entry is served while the store fails */
        public String getStaleIfError() {
            return staleIfError;
        }

        /** @param staleIfError how long a stale entry is served while the store fails */
        public void setStaleIfError(String staleIfError) {
            this.staleIfError = staleIfError;
        }

        /** @return most entries kept */
        public Long getMaximumSize() {
            return maximumSize;
        }

        /** @param maximumSize most entries kept */
        public void setMaximumSize(Long maximumSize) {
            this.maximumSize = maximumSize;
        }

        /** @return whether credential metadata is cached too, with the values */
        public Boolean getMetadata() {
            return metadata;
        }

        /** @param metadata whether credential metadata is cached too, with the values */
        public void setMetadata(Boolean metadata) {
            this.metadata = metadata;
        }
    }
}
