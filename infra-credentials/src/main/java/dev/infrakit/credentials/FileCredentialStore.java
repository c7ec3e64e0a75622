package dev.infrakit.credentials;

import java.util.Set;
import java.util.HashSet;
import dev.infrakit.core.Arguments;
import dev.infrakit.credentials.internal.FileEngine;
import dev.infrakit.credentials.internal.RecordStore;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Objects;

/**
 * A credential store in encrypted JSON files: either one file per credential in a directory
 * ({@link #directory}) or every credential in one file ({@link #singleFile}). Each version's value
 * is a JWE (A256KW / A256GCM) under the key ring's primary {@link MasterKey}, bound to the
 * credential's name and version number; names, times and custom metadata are stored in clear but
 * authenticated: each record carries an HMAC-SHA256, under a key derived from the master key, over
 * everything in it (name, times, current version, versions kept, custom metadata, each version's
 * number, times, deleted and destroyed flags and ciphertext), the store's id and the number of the
 * write that wrote it.
 *
 * <p>Rollback. The store keeps a manifest ({@code .manifest} in the directory, or
 * {@code <file>.manifest} next to the single file), also authenticated, counting writes and holding
 * for each credential the number of the write that last changed it. A record file replaced by an
 * older authentic copy (a revoked API key's record as it was before the revocation, a rotated
 * password brought back) carries an older number and is refused with a
 * {@link CredentialIntegrityException} saying it was rolled back; so is a record deleted and put
 * back, one copied from another store, one removed behind the store's back, and an old-format
 * (unauthenticated) record put back. Opening the store refuses a manifest that is older than a
 * record (replaced by an older copy) or missing while the records are authenticated. What cannot be
 * detected here: the whole store (records, manifest and lock file together) put back as it was at
 * an earlier moment. Protect the directory (owner-only, as the store creates it) and keep its
 * backups as carefully as the master key.
 *
 * <p>A store written by an earlier version (records without MACs, no manifest) is refused unless
 * opened once with {@link Builder#upgradeUnauthenticatedStore()}: it looks exactly like a store
 * whose manifest was deleted and whose records were rewritten in the old format, so only the
 * operator can say which it is. The upgrade authenticates the records as found; from then on an
 * unauthenticated record is refused. Every process using a store must run a version that knows the
 * manifest.
 *
 * <p>Writes are atomic and crash-safe: a file is replaced by writing a temporary file, syncing it,
 * renaming it over the old one and syncing the directory, so a crash leaves the old content or the
 * new, never a torn file. Several processes (and several instances in one process) may use one
 * store at once: every write holds an exclusive lock on the store's lock file ({@code .lock} in the
 * directory, or {@code <file>.lock} next to the single file) and re-reads the record under it, so
 * check-and-set writes never lose an update. Reads take no lock.
 *
 * <p>A file that is not a valid record, a modified field or ciphertext, a record moved to another
 * name or version, or one encrypted under a key not in the ring is a
 * {@link CredentialIntegrityException} naming the file. {@link #list} leaves out (and logs as an
 * error) a record that is authentic but not the current one, so one bad credential does not stop
 * every listing; reading it by name throws. {@link #deleteAll} removes even such a record, which is
 * how its owner gets rid of it. Other I/O failures are a {@link CredentialException} naming the
 * path and the operation. Thread-safe.
 *
 * <pre>{@code
 * KeyRing keys = KeyRing.of(MasterKey.fromEnvironment("INFRAKIT_MASTER_KEY"));
 * try (FileCredentialStore store = FileCredentialStore.directory(Path.of("/var/lib/app/credentials"), keys).build()) {
 *     store.put("apps/billing/db", SecretValue.login("billing", password));
 * }
 * }</pre>
 */
public final class FileCredentialStore extends ForwardingCredentialStore implements CredentialChanges {
    private final FileEngine engine;

    private FileCredentialStore(FileEngine engine) {
        super(engine);
        this.engine = engine;
    }

    /**
     * A builder of a store keeping one file per credential in {@code directory} (created, owner-only,
     * if missing). The directory belongs to the store: put nothing else in it.
     *
     * @param directory where the credential files go
     * @param keyRing the keys: new versions are encrypted under its primary; the others only read
     */
    public static Builder directory(Path directory, KeyRing keyRing) {
        return new Builder(Objects.requireNonNull(directory, "directory"), true, keyRing);
    }

    /**
     * A builder of a store keeping every credential in {@code file}, rewritten whole on each change:
     * for a few dozen credentials. The lock file and temporary files go next to it.
     *
     * @param file the credentials file (created on the first write)
     * @param keyRing the keys: new versions are encrypted under its primary; the others only read
     */
    public static Builder singleFile(Path file, KeyRing keyRing) {
        Objects.requireNonNull(file, "file");
        if (file.getFileName() == null) {
            throw new IllegalArgumentException("singleFile needs a file, got " + file);
        }
        return new Builder(file, false, keyRing);
    }

    /**
     * Tells {@code listener} of every write made through this store instance, after it succeeded,
     * so a {@link CachingCredentialStore} over it never serves a value replaced through it (a
     * rotation, a revocation). Writes by another process sharing the directory are not reported:
     * the cache's {@code expireAfter} bounds how long it may serve those.
     */
    @Override
    public AutoCloseable subscribe(CredentialChangeListener listener) {
        return engine.subscribe(listener);
    }

    /**
     * Re-encrypts under the key ring's primary every stored version encrypted under an older key,
     * keeping versions, times and metadata as they are; returns how many versions it re-encrypted
     * (0 when all are under the primary already). Run it after making a new key the primary
     * ({@link KeyRing#withPrimary}); afterwards the old key can be dropped from the ring. Holds the
     * store's lock while it runs, so writers in every process wait.
     *
     * @throws CredentialIntegrityException if a stored version fails its check (nothing is written)
     * @throws CredentialException if the files cannot be read or written
     */
    public int rewrap() {
        return engine.rewrap();
    }

    /** The store's manifest: its write counter and each credential's last write (absolute). */
    public Path manifestFile() {
        return engine.manifestFile();
    }

    /** The directory, or the single file, holding the credentials (absolute). */
    public Path location() {
        return engine.location();
    }

    /** Shows the location and the key ids, never a key or a value. */
    @Override
    public String toString() {
        return engine.toString();
    }

    /**
     * Builds a {@link FileCredentialStore}. Not thread-safe; each setting is checked when it is
     * given.
     */
    public static final class Builder {
        private final Set<String> given = new HashSet<>();

        private final Path location;
        private final boolean directory;
        private final KeyRing keyRing;
        private Clock clock = Clock.systemUTC();
        private int maxVersions = RecordStore.DEFAULT_MAX_VERSIONS;
        private boolean rebuildManifest;
        private boolean upgrade;

        private Builder(Path location, boolean directory, KeyRing keyRing) {
            this.location = location;
            this.directory = directory;
            this.keyRing = Objects.requireNonNull(keyRing, "keyRing");
        }

        /**
         * The clock stamping versions (tests); default the system clock in UTC.
         *
         * @throws NullPointerException if {@code clock} is null
         */
        public Builder clock(Clock clock) {
            Arguments.markSet(given, "clock");
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Versions kept per credential unless set per credential (default 10).
         *
         * @throws IllegalArgumentException unless 1 to 1000
         */
        public Builder maxVersions(int maxVersions) {
            Arguments.markSet(given, "maxVersions");
            this.maxVersions = RecordStore.requireMaxVersions(maxVersions);
            return this;
        }

        /**
         * Recovery only: when opening, makes a new manifest from the records as they are, accepting
         * each authentic record as current. Use it after the manifest was lost or replaced and the
         * store refuses to open, once the records are known to be current (for instance freshly
         * restored from a backup): a record rolled back before this is not detected afterwards.
         * Records of another store are still refused, and old-format records too unless
         * {@link #upgradeUnauthenticatedStore()} is also given. Remove it once the store is open.
         *
         * @throws IllegalStateException if already set
         */
        public Builder rebuildManifest() {
            Arguments.markSet(given, "rebuildManifest");
            this.rebuildManifest = true;
            return this;
        }

        /**
         * Upgrade only: lets {@link #build()} open a store written by an Infrakit version without
         * manifests (format 1 records, not authenticated, and no manifest), authenticating its
         * records as they are now and writing a manifest. Without it such a store is refused,
         * because someone who deleted the manifest and rewrote the records in the old format (to
         * bring back a revoked key, say) would leave exactly that. Give it once, for the upgrade,
         * having checked the files are yours; then remove it, or it re-opens that door. A store
         * that already has a manifest is not affected: old-format records in it are refused.
         *
         * @throws IllegalStateException if already set
         */
        public Builder upgradeUnauthenticatedStore() {
            Arguments.markSet(given, "upgradeUnauthenticatedStore");
            this.upgrade = true;
            return this;
        }

        /**
         * Opens the store: creates the directory, the lock file and the manifest if needed, deletes
         * temporary files a crashed writer left behind, finishes a write a crashed writer left half
         * done, upgrades a store of the previous format if asked to, and checks that no record is
         * newer than the manifest. Values are decrypted when used, not here.
         *
         * @throws CredentialIntegrityException if the manifest is missing while the store holds
         *     records (authenticated ones, or old-format ones without {@link
         *     #upgradeUnauthenticatedStore()}), fails its check, or is older than a record (replaced
         *     by an older copy); the message names the file and what to do
         * @throws CredentialException if the directory or the lock file cannot be created or used
         */
        public FileCredentialStore build() {
            FileEngine.Recovery recovery = upgrade
                    ? rebuildManifest ? FileEngine.Recovery.UPGRADE_AND_REBUILD : FileEngine.Recovery.UPGRADE
                    : rebuildManifest ? FileEngine.Recovery.REBUILD : FileEngine.Recovery.NONE;
            return new FileCredentialStore(directory
                    ? FileEngine.directory(location, keyRing, clock, maxVersions, recovery)
                    : FileEngine.singleFile(location, keyRing, clock, maxVersions, recovery));
        }
    }
}
