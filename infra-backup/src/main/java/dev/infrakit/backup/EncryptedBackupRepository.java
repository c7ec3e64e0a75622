package dev.infrakit.backup;

import dev.infrakit.backup.internal.LogText;
import dev.infrakit.backup.internal.Sha256;
import dev.infrakit.core.health.HealthCheck;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Client-side encryption of any {@link BackupRepository}: every artifact and every manifest is
 * encrypted before it reaches the repository underneath (a local directory, S3), with
 * {@link BackupEncryption} (AES-256-GCM in authenticated chunks) under the current key of a
 * {@link BackupKeys} supplier, and decrypted, chunk by authenticated chunk, as it is read.
 *
 * <p><b>What is stored.</b> Each artifact as an encrypted stream under its own name. Each manifest
 * as a manifest that keeps in the clear only what the repository underneath and an operator need —
 * id, kind, start and end times, status, verification time, keep-forever mark, the key id, and the
 * encrypted artifacts' names, sizes and SHA-256 — and carries the whole manifest (source, the
 * artifacts' plaintext SHA-256, versions, row counts, failure reason, drill) encrypted inside it.
 * Only the encrypted copy is believed: a manifest whose clear fields were edited reads as it was
 * written, and one moved to another backup's place, altered, or encrypted under a key not held is
 * refused.
 *
 * <p><b>What it protects against.</b> Someone who can read the storage learns no artifact content
 * and nothing of the manifests beyond the clear fields above (and what the storage shows: object
 * names, sizes, times). Someone who can also write it cannot make a changed, truncated, extended,
 * reordered or swapped artifact read as good: decryption fails on the first chunk that does not
 * authenticate, and an artifact swapped whole for another backup's fails the plaintext SHA-256 that
 * the sealed manifest records, so verification ({@link BackupCopier#verify}) and restore report it.
 * They can still delete backups, or put back an older backup whole (manifest and artifacts): it
 * reads as the older backup it is.
 *
 * <p><b>Keys.</b> New backups are written under the supplier's current key, asked for once per
 * backup (so a supplier that rotates keys takes effect at the next backup); backups under older keys
 * stay readable while {@link BackupKeys} keeps those keys; {@link #keyId(String)} names a backup's key
 * (so does its stored manifest, {@link Manifest#encryptionKeyId()}). A backup whose key is no longer held is skipped by
 * {@link #list()} (logged, WARN) and refused by {@link #find} and {@link #open} with a
 * {@link BackupDecryptionException} naming the key.
 *
 * <p>Everything else (locking, space, health, metrics, closing) is the underlying repository's.
 * Thread-safe if the underlying repository is.
 */
public final class EncryptedBackupRepository implements BackupRepository {
    private static final Logger LOG = LoggerFactory.getLogger(EncryptedBackupRepository.class);

    private final BackupRepository inner;
    private final Supplier<BackupKeys> keys;
    private final String name;

    private EncryptedBackupRepository(BackupRepository inner, Supplier<BackupKeys> keys) {
        this.inner = inner;
        this.keys = keys;
        this.name = "encrypted:" + inner.name();
    }

    /**
     * Encrypts what is written to {@code repository} under {@code keys}. Closing the returned
     * repository closes {@code repository}.
     */
    public static EncryptedBackupRepository wrap(BackupRepository repository, BackupKeys keys) {
        Objects.requireNonNull(keys, "keys");
        return wrap(repository, () -> keys);
    }

    /**
     * Encrypts what is written to {@code repository} under the keys {@code keys} supplies: asked for
     * once per backup written and per backup read, so a rotation takes effect without reopening.
     * Closing the returned repository closes {@code repository}.
     */
    public static EncryptedBackupRepository wrap(BackupRepository repository, Supplier<BackupKeys> keys) {
        Objects.requireNonNull(repository, "repository");
        Objects.requireNonNull(keys, "keys");
        if (repository instanceof EncryptedBackupRepository) {
            throw new IllegalArgumentException(repository.name() + " is already encrypted");
        }
        return new EncryptedBackupRepository(repository, keys);
    }

    private BackupKeys keys() {
        return Objects.requireNonNull(keys.get(), "the key supplier returned null");
    }

    @Override
    public String name() {
        return name;
    }

    /**
     * The id of the key backup {@code id} is encrypted under, as its stored manifest names it (the key
     * is authenticated when the manifest is read); empty if there is no such backup.
     */
    public Optional<String> keyId(String id) {
        return inner.find(id).flatMap(Manifest::encryptionKeyId);
    }

    /** The repository the encrypted backups are kept in. */
    public BackupRepository underlying() {
        return inner;
    }

    // ------------------------------------------------------------------ sealing

    private static Manifest seal(Manifest manifest, List<Artifact> stored, BackupKeys keys) {
        ByteArrayOutputStream sealed = new ByteArrayOutputStream();
        try (OutputStream out = BackupEncryption.encrypt(sealed, keys, BackupEncryption.MIN_CHUNK_SIZE * 16)) {
            out.write(manifest.toJson().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("Cannot encrypt in memory", e);
        }
        return manifest.stored(stored, keys.currentId(), Base64.getEncoder().encodeToString(sealed.toByteArray()));
    }

    /** The manifest sealed in {@code stored}, checked to belong to it. */
    private Manifest unseal(Manifest stored, BackupKeys keys) {
        String id = stored.id();
        String sealed = stored.sealed().orElseThrow(() -> new BackupDecryptionException("Backup " + id + " in "
                + inner.name() + " is not encrypted (its manifest has no sealed copy): it was not written through an "
                + "encrypted repository, or its manifest was replaced"));
        String keyId = stored.encryptionKeyId().orElseThrow(() -> new BackupDecryptionException("Backup " + id + " in "
                + inner.name() + " has a sealed manifest but names no key: its manifest was altered"));
        if (!keys.has(keyId)) {
            throw new BackupDecryptionException("Backup " + id + " in " + inner.name() + " is encrypted under key '"
                    + LogText.of(keyId) + "', which is not held (the current key is '" + keys.currentId()
                    + "'); add that key back to read the backup");
        }
        byte[] plain;
        try {
            byte[] encrypted = Base64.getDecoder().decode(sealed);
            String sealedUnder = BackupEncryption.keyId(new ByteArrayInputStream(encrypted));
            if (!sealedUnder.equals(keyId)) {
                throw new BackupDecryptionException("its manifest names key '" + LogText.of(keyId)
                        + "' but was sealed under '" + sealedUnder + "'");
            }
            try (InputStream in = BackupEncryption.decrypt(new ByteArrayInputStream(encrypted), keys)) {
                plain = in.readAllBytes();
            }
        } catch (IllegalArgumentException e) {
            throw new BackupDecryptionException("The sealed manifest of backup " + id + " in " + inner.name()
                    + " is not valid base64: it was altered", e);
        } catch (BackupDecryptionException e) {
            throw new BackupDecryptionException("The sealed manifest of backup " + id + " in " + inner.name()
                    + " cannot be decrypted: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot decrypt in memory", e);
        }
        Manifest manifest;
        try {
            manifest = Manifest.fromJson(new String(plain, StandardCharsets.UTF_8));
        } catch (BackupException e) {
            throw new BackupDecryptionException("The sealed manifest of backup " + id + " in " + inner.name()
                    + " is not a manifest: " + e.getMessage(), e);
        }
        if (!manifest.id().equals(id) || manifest.sealed().isPresent() || !names(manifest.artifacts()).equals(names(stored.artifacts()))) {
            throw new BackupDecryptionException("The sealed manifest of backup " + id + " in " + inner.name()
                    + " belongs to another backup (" + LogText.of(manifest.id()) + ", artifacts "
                    + names(manifest.artifacts()) + "): it was moved there");
        }
        return manifest;
    }

    private static Set<String> names(List<Artifact> artifacts) {
        return artifacts.stream().map(Artifact::name).collect(Collectors.toCollection(TreeSet::new));
    }

    // ------------------------------------------------------------------ reading

    /**
     * {@inheritDoc} A backup whose manifest cannot be decrypted and checked (a key not held, altered,
     * moved, not encrypted) is skipped and logged (WARN).
     */
    @Override
    public List<Manifest> list() {
        BackupKeys k = keys();
        List<Manifest> backups = new ArrayList<>();
        for (Manifest stored : inner.list()) {
            try {
                backups.add(unseal(stored, k));
            } catch (BackupDecryptionException e) {
                LOG.warn("{}: skipping backup {}: {}", name, stored.id(), LogText.of(e.getMessage()));
            }
        }
        // By the sealed start times: the clear ones the repository underneath sorted by may have been edited.
        backups.sort(Comparator.comparing(Manifest::started).thenComparing(Manifest::id));
        return backups;
    }

    /**
     * {@inheritDoc}
     *
     * @throws BackupDecryptionException if the backup's manifest cannot be decrypted and checked
     *     (a key not held, altered, moved to another backup, not encrypted)
     */
    @Override
    public Optional<Manifest> find(String id) {
        Optional<Manifest> stored = inner.find(id);
        return stored.isEmpty() ? Optional.empty() : Optional.of(unseal(stored.get(), keys()));
    }

    /**
     * {@inheritDoc}
     *
     * <p>The artifact's plaintext, decrypted as it is read: no byte of a chunk is returned before the
     * chunk authenticates, and the end is checked when the stored artifact ends.
     *
     * @throws BackupDecryptionException (also on reading) if the manifest or the artifact cannot be
     *     decrypted: altered, truncated, extended, reordered, or under a key not held
     */
    @Override
    public InputStream open(String id, String artifact) throws IOException {
        Artifact.requireName(artifact);
        BackupKeys k = keys();
        Manifest manifest = find(id).orElseThrow(() -> new BackupException("No backup " + id + " in " + name));
        manifest.artifact(artifact).orElseThrow(() -> new BackupException("Backup " + id + " in " + name
                + " has no artifact " + artifact));
        return BackupEncryption.decrypt(inner.open(id, artifact), k);
    }

    // ------------------------------------------------------------------ writing

    /** {@inheritDoc} The backup is encrypted under the supplier's current key. */
    @Override
    public Staging begin(Manifest running) {
        BackupKeys k = keys();
        return new EncryptedStaging(running, inner.begin(running), k);
    }

    /**
     * {@inheritDoc} Re-encrypts the manifest under the key the backup was written with (its artifacts
     * cannot change, so neither can their key).
     *
     * @throws BackupDecryptionException if the stored manifest cannot be decrypted and checked
     */
    @Override
    public void update(Manifest manifest) {
        String id = manifest.id();
        BackupKeys k = keys();
        Manifest stored = inner.find(id).orElseThrow(() -> new BackupException("No backup " + id + " in " + name
                + " to update"));
        StagedArtifacts.requireUpdate(name, unseal(stored, k), manifest);
        String keyId = stored.encryptionKeyId().orElseThrow(); // unseal checked it
        inner.update(seal(manifest, stored.artifacts(), k.withCurrent(keyId)));
    }

    @Override
    public void delete(String id) {
        inner.delete(id);
    }

    /**
     * {@inheritDoc}
     *
     * <p>The underlying repository's archive, with every WAL file encrypted ({@link BackupEncryption},
     * the current key) on its way in and authenticated on its way out. The names stay in the clear
     * (they are WAL positions). Storing a file again is recognised by decrypting what is stored and
     * comparing the plaintext's SHA-256 (encryption is randomised, so the stored bytes differ).
     * Empty when the underlying repository keeps no WAL.
     */
    @Override
    public Optional<WalArchive> walArchive() {
        return inner.walArchive().map(EncryptedWalArchive::new);
    }

    /** A WAL archive whose files are encrypted in the underlying one. */
    private final class EncryptedWalArchive implements WalArchive {
        private final WalArchive archive;

        EncryptedWalArchive(WalArchive archive) {
            this.archive = archive;
        }

        @Override
        public WalSegment put(String name, Path file) throws IOException {
            WalArchive.requireName(name);
            BackupKeys k = keys();
            Sha256.Digest plain;
            try (InputStream in = Files.newInputStream(file)) {
                plain = Sha256.read(in);
            }
            if (archive.list().stream().anyMatch(s -> s.name().equals(name))) {
                Sha256.Digest stored;
                try (InputStream in = open(name)) {
                    stored = Sha256.read(in);
                }
                if (stored.hex().equals(plain.hex())) {
                    return new WalSegment(name, plain.size(), plain.hex()); // stored before: the same content
                }
                if (!name.endsWith(".partial")) {
                    throw new BackupException("WAL file " + name + " is already archived in " + EncryptedBackupRepository
                            .this.name + " with other content (sha256 " + stored.hex() + ", now " + plain.hex()
                            + "): another server may be archiving into this repository");
                }
            }
            Path sealed = Files.createTempFile(file.toAbsolutePath().getParent(),
                    "." + name + ".", ".sealed");
            try {
                try (InputStream in = Files.newInputStream(file);
                        OutputStream out = BackupEncryption.encrypt(Files.newOutputStream(sealed), k)) {
                    in.transferTo(out);
                }
                archive.put(name, sealed);
                return new WalSegment(name, plain.size(), plain.hex());
            } finally {
                Files.deleteIfExists(sealed);
            }
        }

        @Override
        public List<WalSegment> list() throws IOException {
            List<WalSegment> segments = new ArrayList<>();
            for (WalSegment s : archive.list()) {
                segments.add(new WalSegment(s.name(), -1, "")); // the plaintext size is known once decrypted
            }
            return segments;
        }

        @Override
        public InputStream open(String name) throws IOException {
            return BackupEncryption.decrypt(archive.open(name), keys());
        }

        @Override
        public void delete(String name) throws IOException {
            archive.delete(name);
        }

        @Override
        public String toString() {
            return "EncryptedWalArchive[" + archive + "]";
        }
    }

    @Override
    public long usableSpace() {
        return inner.usableSpace();
    }

    @Override
    public RepositoryLock lock(String purpose) {
        return inner.lock(purpose);
    }

    @Override
    public Optional<HealthCheck> healthCheck() {
        return inner.healthCheck();
    }

    @Override
    public Optional<MeterBinder> metrics() {
        return inner.metrics();
    }

    /** Closes the underlying repository. */
    @Override
    public void close() {
        inner.close();
    }

    @Override
    public String toString() {
        return "EncryptedBackupRepository[" + inner + "]";
    }

    /**
     * A backup being written: each artifact hashed (plaintext) and encrypted on its way to the
     * underlying staging, which stores and hashes the encrypted bytes.
     */
    private final class EncryptedStaging implements Staging {
        private final Manifest running;
        private final Staging staging;
        private final BackupKeys keys;
        private final Map<String, Artifact> staged = new LinkedHashMap<>(); // guarded by this
        private final Set<String> writing = new TreeSet<>(); // guarded by this
        private boolean finished; // guarded by this

        EncryptedStaging(Manifest running, Staging staging, BackupKeys keys) {
            this.running = running;
            this.staging = staging;
            this.keys = keys;
        }

        @Override
        public synchronized OutputStream open(String artifact) throws IOException {
            OutputStream stored = staging.open(artifact); // checks the name, its use, the staging's state
            OutputStream encrypting;
            try {
                encrypting = BackupEncryption.encrypt(stored, keys);
            } catch (IOException | RuntimeException e) {
                stored.close();
                throw e;
            }
            writing.add(artifact);
            return new Hashing(artifact, encrypting);
        }

        @Override
        public synchronized List<Artifact> artifacts() {
            return List.copyOf(staged.values());
        }

        @Override
        public synchronized Manifest publish(Manifest complete) {
            requireUnfinished();
            StagedArtifacts.requirePublishable(name, running, complete, writing, staged);
            staging.publish(seal(complete, staging.artifacts(), keys));
            finished = true;
            return complete;
        }

        @Override
        public synchronized void fail(Manifest failed) {
            requireUnfinished();
            StagedArtifacts.requireFailed(running, failed);
            staging.fail(seal(failed, List.of(), keys));
            staged.clear();
            finished = true;
        }

        @Override
        public synchronized void close() {
            finished = true;
            staging.close();
        }

        private void requireUnfinished() {
            if (finished) {
                throw new IllegalStateException("Backup " + running.id() + " was already published, failed or "
                        + "discarded");
            }
        }

        private synchronized void closed(String artifact, Artifact written) {
            writing.remove(artifact);
            if (written != null && !finished) {
                staged.put(artifact, written);
            }
        }

        /** Hashes and counts the plaintext on its way to the encrypting stream. Not thread-safe. */
        private final class Hashing extends FilterOutputStream {
            private final String artifact;
            private final MessageDigest digest = Sha256.newDigest();
            private long size;
            private boolean broken;
            private boolean closed;

            Hashing(String artifact, OutputStream encrypting) {
                super(encrypting);
                this.artifact = artifact;
            }

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                Objects.checkFromIndexSize(off, len, b.length);
                if (closed) {
                    throw new IOException("The stream of artifact " + artifact + " is closed");
                }
                try {
                    out.write(b, off, len);
                } catch (IOException | RuntimeException e) {
                    broken = true;
                    throw e;
                }
                digest.update(b, off, len);
                size += len;
            }

            @Override
            public void close() throws IOException {
                if (closed) {
                    return;
                }
                closed = true;
                Artifact written = null;
                try {
                    out.close(); // the final chunk, then the underlying staging's stream
                    if (!broken) {
                        written = new Artifact(artifact, size, Sha256.hex(digest));
                    }
                } finally {
                    closed(artifact, written);
                }
            }
        }
    }
}
