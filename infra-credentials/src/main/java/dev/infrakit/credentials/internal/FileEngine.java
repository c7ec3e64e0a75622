package dev.infrakit.credentials.internal;

import dev.infrakit.core.io.DurableFiles;
import dev.infrakit.credentials.CredentialException;
import dev.infrakit.credentials.CredentialIntegrityException;
import dev.infrakit.credentials.KeyRingMac;
import dev.infrakit.credentials.KeyRing;
import dev.infrakit.credentials.SecretValue;
import dev.infrakit.credentials.internal.RecordCodec.Stored;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * The encrypted file store's records: each version's value is a JWE ({@link SecretCipher}), and the
 * records are JSON ({@link RecordCodec}), one file per credential or all in one file, each with an
 * HMAC over everything in it ({@link KeyRingMac}) and the number of the write that wrote it.
 *
 * <p>The scheme. Files are only ever replaced whole, by an atomic rename ({@link DurableFiles}), so a
 * reader sees a complete old or complete new file. Every change takes the store's {@link FileMutex}
 * (in-process lock plus an exclusive lock on the lock file, so it excludes other processes too),
 * then reads the record again from disk, applies the change and replaces the file before unlocking:
 * a check-and-set decided under the lock sees every write that came before it, in any process.
 * Temporary files left by a crash are skipped by readers and deleted when a store is opened (under
 * the lock, so never a temporary file another process is still writing).
 *
 * <p>Rollback. A file can be authentic and still old: a copy taken before a revocation and put back
 * later. So the store keeps a counter of writes in its {@link StoreManifest} (MACed like the
 * records), and every record carries the number of the write that wrote it. A write, holding the
 * lock, (1) notes its intent (write number and names) in the lock file, (2) replaces the record,
 * (3) replaces the manifest with the record's new number, (4) clears the note. A record must carry
 * exactly the number the manifest holds for it: smaller is a rolled-back record, larger means the
 * manifest is older than the record (replaced by an older copy), a record the manifest does not know
 * was deleted and put back, a name the manifest knows without a record was removed behind the
 * store's back. Each is a {@link CredentialIntegrityException} naming the credential and the file.
 *
 * <p>A crash between (2) and (3) leaves a record one write ahead of the manifest. Whoever takes the
 * lock next reads the note and finishes the write: if the named record carries the noted number it
 * enters the manifest (a removal likewise); otherwise the write never happened. The note is MACed
 * and bound to the next write number, so an old note put back, or one made up without the master
 * key, does nothing. Readers take no lock: they read the manifest and the record, and only when the
 * two disagree (a write landed in between, or a crashed write) take the lock, finish any noted
 * write and decide again; so a concurrent writer never causes a false "rolled back".
 *
 * <p>Opening the store (holding the lock) finishes a noted write, then checks that no record is newer
 * than the manifest, which catches a manifest replaced by an older copy whenever a record was written
 * since. A store of the previous format (records without MACs, no manifest) is upgraded on open only
 * with the operator's consent ({@link Recovery#UPGRADE}): deleting the manifest and rewriting every
 * record in the old format looks exactly like such a store, so an automatic upgrade would let anyone
 * who can write the files undo changes. The upgrade authenticates the records as they are found and
 * writes a manifest; from then on an unauthenticated record is refused. A store whose manifest is
 * missing while its records are authenticated is refused (the manifest was deleted) unless opened
 * with {@link Recovery#REBUILD}.
 *
 * <p>What this cannot see: the whole directory (manifest, records and lock file) put back as it was
 * at some earlier moment is a consistent older store. Only a copy of the write counter kept
 * elsewhere can detect that.
 *
 * <p>Thread-safe; several processes may share one store.
 */
public final class FileEngine extends RecordStore<String> {
    private static final Logger LOG = LoggerFactory.getLogger(FileEngine.class);
    private static final String LOCK_FILE = ".lock";
    private static final String MANIFEST_FILE = ".manifest";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A write's steps, for tests that stop a write half way as a crash would. */
    enum Step {
        INTENT, RECORD, MANIFEST
    }

    /** Called after each step of a write; a test makes it throw to leave the files as a crash would. */
    @FunctionalInterface
    interface StepHook {
        void after(Step step) throws IOException;
    }

    private final Layout layout;
    private final SecretCipher cipher;
    /** The HKDF purpose of the keys that authenticate the store's clear text. */
    static final String MAC_PURPOSE = "infrakit credentials file HMAC-SHA256";
    private final KeyRingMac mac;
    private final FileMutex mutex;
    private final FileAttribute<?>[] fileAttributes;
    private final String storeId;
    /** The newest write number this instance has seen in the manifest: it never goes back. */
    private final AtomicLong newestSeen = new AtomicLong();
    private volatile boolean closed;
    volatile StepHook afterStep = step -> { };

    /** How to open a store whose manifest is missing: what the operator has agreed to. */
    public enum Recovery {
        /** Neither: a store with records and no manifest is refused. */
        NONE,
        /** Upgrade a store of the previous format (unauthenticated records), trusting them as found. */
        UPGRADE,
        /** Make a new manifest from the authenticated records as found. */
        REBUILD,
        /** Both: a new manifest from whatever records there are, unauthenticated ones included. */
        UPGRADE_AND_REBUILD;

        boolean upgrade() {
            return this == UPGRADE || this == UPGRADE_AND_REBUILD;
        }

        boolean rebuild() {
            return this == REBUILD || this == UPGRADE_AND_REBUILD;
        }
    }

    private final Recovery recovery;

    private FileEngine(Layout layout, KeyRing ring, Clock clock, int maxVersions, Recovery recovery) {
        super(clock, maxVersions);
        this.layout = layout;
        this.cipher = new SecretCipher(Objects.requireNonNull(ring, "ring"));
        this.mac = new KeyRingMac(ring, MAC_PURPOSE);
        this.recovery = Objects.requireNonNull(recovery, "recovery");
        layout.mac = mac;
        Path directory = layout.directory();
        try {
            if (!Files.isDirectory(directory)) {
                Path parent = directory.getParent();
                Files.createDirectories(parent);
                try {
                    Files.createDirectory(directory, DurableFiles.ownerOnly(parent, true));
                } catch (FileAlreadyExistsException e) {
                    // Made meanwhile by another instance.
                }
            }
            this.fileAttributes = DurableFiles.ownerOnly(directory, false);
            this.mutex = FileMutex.open(layout.lockFile(), fileAttributes);
        } catch (IOException e) {
            throw failure("open the credential store in", directory, e);
        }
        try {
            this.storeId = locked("open the credential store in", directory, () -> {
                try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
                    for (Path p : entries) {
                        if (layout.isTemporary(p.getFileName().toString())) {
                            Files.deleteIfExists(p);
                        }
                    }
                }
                return openManifest(recovery.rebuild());
            });
        } catch (RuntimeException e) {
            mutex.release();
            throw e;
        }
    }

    /**
     * One file per credential in {@code directory}, named from the credential's name; the
     * directory holds nothing else but the lock file and the manifest.
     */
    public static FileEngine directory(Path directory, KeyRing ring, Clock clock, int maxVersions) {
        return directory(directory, ring, clock, maxVersions, Recovery.NONE);
    }

    /** As {@link #directory(Path, KeyRing, Clock, int)}, with what to do about a missing manifest. */
    public static FileEngine directory(Path directory, KeyRing ring, Clock clock, int maxVersions, Recovery recovery) {
        return new FileEngine(new DirectoryLayout(directory.toAbsolutePath().normalize()), ring, clock, maxVersions,
                recovery);
    }

    /** Every credential in {@code file}; the lock file and the manifest sit next to it. */
    public static FileEngine singleFile(Path file, KeyRing ring, Clock clock, int maxVersions) {
        return singleFile(file, ring, clock, maxVersions, Recovery.NONE);
    }

    /** As {@link #singleFile(Path, KeyRing, Clock, int)}, with what to do about a missing manifest. */
    public static FileEngine singleFile(Path file, KeyRing ring, Clock clock, int maxVersions, Recovery recovery) {
        return new FileEngine(new SingleFileLayout(file.toAbsolutePath().normalize()), ring, clock, maxVersions,
                recovery);
    }

    /** The directory, or the single file, the records are in. */
    public Path location() {
        return layout.location();
    }

    /** The manifest file (the store's write counter). */
    public Path manifestFile() {
        return layout.manifestFile();
    }

    /** The key ring. */
    public KeyRing ring() {
        return cipher.ring();
    }

    // ---------------------------------------------------------------- opening

    /** Holding the lock: the manifest read, upgraded to, rebuilt or created; returns the store id. */
    private String openManifest(boolean rebuild) throws IOException {
        StoreManifest m;
        if (rebuild) {
            m = rebuildManifest();
        } else {
            m = readManifest();
            if (m == null) {
                m = firstManifest();
            }
        }
        if (m.upgrading) {
            m = finishUpgrade(m);
        }
        m = finishNotedWrite(m);
        newestSeen.set(m.seq);
        List<CredentialIntegrityException> unreadable = new ArrayList<>();
        List<Stored> all = layout.readAll("", unreadable);
        Map<String, Boolean> present = new TreeMap<>();
        for (Stored s : all) {
            present.put(s.name(), true);
            if (!agrees(m, s.name(), s)) {
                try {
                    verified(m, s.name(), s);
                } catch (CredentialIntegrityException e) {
                    unreadable.add(e); // reported below; refused when read
                }
            }
            if (s.legacy || !s.store.equals(m.store)) {
                continue;
            }
            Long entry = m.entry(s.name());
            if (entry == null ? s.seq > m.seq : s.seq > entry) {
                throw new CredentialIntegrityException("The credential store's manifest " + layout.manifestFile()
                        + " is older than the record of credential '" + s.name() + "' in " + layout.fileOf(s.name())
                        + ": the record is from write " + s.seq + ", the manifest " + (entry == null
                                ? "does not know the credential and counts " + m.seq + " writes"
                                : "says write " + entry + " last changed it")
                        + ". The manifest was replaced by an older copy (which would hide rolled-back records), so "
                        + "the store is not opened; restore the newest manifest, or, once every record is known to be "
                        + "current, open the store with rebuildManifest()");
            }
        }
        for (String name : m.entries().keySet()) {
            boolean held;
            try {
                held = present.containsKey(name) || layout.holds(name);
            } catch (CredentialIntegrityException alreadyReported) {
                held = true; // the file is there, unreadable: reported above
            }
            if (!held) {
                unreadable.add(new CredentialIntegrityException("Credential '" + name + "' is missing from "
                        + layout.fileOf(name) + ", but the store's manifest says write " + m.entry(name)
                        + " last changed it: it was removed behind the store's back"));
            }
        }
        // Visible at start-up, not only when the credential is next used.
        for (CredentialIntegrityException e : unreadable) {
            LOG.error("Credential store {}: {}", layout.location(), e.getMessage());
        }
        return m.store;
    }

    /** No manifest: a new store, or one written by a version without manifests (upgraded now). */
    private StoreManifest firstManifest() throws IOException {
        List<Stored> all = layout.readAll("", null);
        for (Stored s : all) {
            if (!s.legacy) {
                throw new CredentialIntegrityException("The credential store's manifest " + layout.manifestFile()
                        + " is missing, but the store holds authenticated records (such as credential '" + s.name()
                        + "' in " + layout.fileOf(s.name()) + "): the manifest was deleted, and without it rolled-back "
                        + "records cannot be told from current ones. Restore it from a backup, or, once every record is "
                        + "known to be current, open the store with rebuildManifest()");
            }
        }
        String id = newStoreId();
        if (all.isEmpty()) {
            StoreManifest m = StoreManifest.empty(id);
            writeManifest(m);
            return m;
        }
        if (!recovery.upgrade()) {
            throw unauthenticatedStore(all.get(0));
        }
        Map<String, Long> entries = new TreeMap<>();
        for (Stored s : all) {
            entries.put(s.name(), 1L);
        }
        StoreManifest m = StoreManifest.of(id, 1, true, entries);
        writeManifest(m);
        LOG.info("Credential store {}: upgrading {} records to authenticated records", layout.location(), all.size());
        return m;
    }

    /**
     * Rewrites the unauthenticated records of an old store as authenticated ones (write 1), then
     * marks the manifest upgraded. Safe to repeat after a crash: records already rewritten are kept.
     */
    private StoreManifest finishUpgrade(StoreManifest m) throws IOException {
        List<Stored> rewritten = new ArrayList<>();
        StoreManifest next = m;
        for (Stored s : layout.readAll("", null)) {
            if (s.legacy) {
                rewritten.add(Stored.of(s.record, m.store, m.seq));
                next = next.with(s.name(), m.seq);
            }
        }
        if (!rewritten.isEmpty()) {
            layout.write(rewritten, fileAttributes);
        }
        next = next.upgraded();
        writeManifest(next);
        return next;
    }

    /** A manifest made from the records as they are (operator's recovery after losing it). */
    private StoreManifest rebuildManifest() throws IOException {
        StoreManifest old = null;
        try {
            old = readManifest();
        } catch (CredentialIntegrityException e) {
            LOG.warn("Credential store {}: rebuilding the manifest, ignoring the existing one: {}", layout.location(),
                    e.getMessage());
        }
        List<Stored> all = layout.readAll("", null);
        String id = old == null ? null : old.store;
        long seq = old == null ? 0 : old.seq;
        Map<String, Long> entries = new TreeMap<>();
        List<Stored> legacy = new ArrayList<>();
        for (Stored s : all) {
            if (s.legacy) {
                if (!recovery.upgrade()) {
                    throw new CredentialIntegrityException("Cannot rebuild the manifest of the credential store in "
                            + layout.location() + ": credential '" + s.name() + "' in " + layout.fileOf(s.name())
                            + " is an unauthenticated record of the old format " + RecordCodec.LEGACY_FORMAT
                            + "; accepting it needs the upgrade option as well");
                }
                legacy.add(s);
                continue;
            }
            if (id == null) {
                id = s.store;
            } else if (!id.equals(s.store)) {
                throw new CredentialIntegrityException("Cannot rebuild the manifest of the credential store in "
                        + layout.location() + ": credential '" + s.name() + "' in " + layout.fileOf(s.name())
                        + " belongs to another store (" + s.store + ", not " + id + ")");
            }
            entries.put(s.name(), s.seq);
            seq = Math.max(seq, s.seq);
        }
        if (id == null) {
            id = newStoreId();
        }
        StoreManifest m = StoreManifest.of(id, seq + 1, false, entries);
        if (!legacy.isEmpty()) {
            List<Stored> rewritten = new ArrayList<>();
            for (Stored s : legacy) {
                rewritten.add(Stored.of(s.record, id, m.seq));
                m = m.with(s.name(), m.seq);
            }
            layout.write(rewritten, fileAttributes);
        }
        writeManifest(m);
        LOG.warn("Credential store {}: manifest rebuilt from {} records as found (write {}); a record rolled back "
                + "before this is no longer detectable", layout.location(), all.size(), m.seq);
        mutex.note(new byte[0]);
        return m;
    }

    /**
     * Records of the old format and no manifest: a store written before manifests existed, or one
     * whose manifest was deleted and whose records were rewritten in the old format to undo
     * changes. Only the operator can tell, so the upgrade is never silent.
     */
    private CredentialIntegrityException unauthenticatedStore(Stored example) {
        return new CredentialIntegrityException("The credential store in " + layout.location() + " has no manifest "
                + layout.manifestFile() + " and holds unauthenticated records of the old format "
                + RecordCodec.LEGACY_FORMAT + " (such as credential '" + example.name() + "' in "
                + layout.fileOf(example.name()) + "). Either it was written by an Infrakit version without manifests: "
                + "then open it once with the upgrade option (FileCredentialStore.Builder.upgradeUnauthenticatedStore()), "
                + "which authenticates the records as they are now, and remove the option afterwards. Or it was already "
                + "upgraded and someone deleted the manifest and rewrote the records in the old format to undo changes: "
                + "then restore the store from a backup");
    }

    private static String newStoreId() {
        byte[] id = new byte[16];
        RANDOM.nextBytes(id);
        return HexFormat.of().formatHex(id);
    }

    // ---------------------------------------------------------------- the manifest and the note

    /** The manifest, authenticated, or null if there is none. */
    private StoreManifest readManifest() throws IOException {
        byte[] content = readIfExists(layout.manifestFile());
        return content == null ? null : StoreManifest.decode(content, layout.manifestFile(), mac);
    }

    /** The manifest of this store, which must exist once the store is open. */
    private StoreManifest currentManifest() throws IOException {
        StoreManifest m = readManifest();
        if (m == null) {
            throw new CredentialIntegrityException("The credential store's manifest " + layout.manifestFile()
                    + " is missing: it was deleted while the store was open. Nothing can be read or written until it "
                    + "is restored (or the store is reopened with rebuildManifest())");
        }
        if (!m.store.equals(storeId)) {
            throw new CredentialIntegrityException("The credential store's manifest " + layout.manifestFile()
                    + " belongs to another store (" + m.store + ", not " + storeId + "): it was replaced");
        }
        return m;
    }

    private void writeManifest(StoreManifest m) throws IOException {
        DurableFiles.replace(layout.manifestFile(), m.encode(mac), fileAttributes);
    }

    /**
     * Holding the lock: finishes the write a crashed writer noted in the lock file (see the class
     * comment), clears the note, and returns the manifest as it now is.
     */
    private StoreManifest finishNotedWrite(StoreManifest m) throws IOException {
        byte[] note = mutex.readNote();
        if (note.length == 0) {
            return m;
        }
        StoreManifest.Intent intent = StoreManifest.Intent.decode(note, mac);
        StoreManifest next = m;
        if (intent != null && intent.store.equals(m.store) && intent.seq == m.seq + 1) {
            boolean landed = false;
            for (Map.Entry<String, Boolean> e : intent.names.entrySet()) {
                String name = e.getKey();
                Stored s;
                try {
                    s = layout.read(name);
                } catch (CredentialIntegrityException unreadable) {
                    continue; // refused when read
                }
                if (e.getValue()) {
                    if (s != null && !s.legacy && s.store.equals(m.store) && s.seq == intent.seq) {
                        next = next.with(name, intent.seq);
                        landed = true;
                    }
                } else if (s == null && next.entry(name) != null) {
                    next = next.without(name, intent.seq);
                    landed = true;
                }
            }
            if (landed) {
                next = next.at(intent.seq);
                writeManifest(next);
                LOG.warn("Credential store {}: finished write {} ({}), interrupted before the manifest was updated",
                        layout.location(), intent.seq, intent.names.keySet());
            }
        }
        mutex.note(new byte[0]);
        return next;
    }

    /**
     * Holding the lock: makes write {@code m.seq + 1}, putting {@code put} and removing
     * {@code removed}, then updates the manifest; returns the new manifest.
     */
    private StoreManifest commit(StoreManifest m, List<CredentialRecord<String>> put, List<String> removed)
            throws IOException {
        long seq = m.seq + 1;
        Map<String, Boolean> names = new LinkedHashMap<>();
        put.forEach(r -> names.put(r.name(), true));
        removed.forEach(n -> names.put(n, false));
        mutex.note(new StoreManifest.Intent(m.store, seq, names).encode(mac));
        afterStep.after(Step.INTENT);
        StoreManifest next = m.at(seq);
        if (!put.isEmpty()) {
            List<Stored> stored = new ArrayList<>();
            for (CredentialRecord<String> r : put) {
                stored.add(Stored.of(r, m.store, seq));
                next = next.with(r.name(), seq);
            }
            layout.write(stored, fileAttributes);
        }
        for (String name : removed) {
            layout.remove(name, fileAttributes);
            next = next.without(name, seq);
        }
        afterStep.after(Step.RECORD);
        writeManifest(next);
        afterStep.after(Step.MANIFEST);
        mutex.note(new byte[0]);
        newestSeen.accumulateAndGet(seq, Math::max);
        return next;
    }

    // ---------------------------------------------------------------- checks

    /** Whether a lock-free read of {@code s} agrees with {@code m}: the fast path. */
    private boolean agrees(StoreManifest m, String name, Stored s) {
        Long entry = m.entry(name);
        if (s == null) {
            return entry == null;
        }
        return !s.legacy && s.store.equals(m.store) && entry != null && entry == s.seq;
    }

    /**
     * The record of {@code name} if it is exactly the one the manifest expects (holding the lock,
     * after {@link #finishNotedWrite}); null if neither knows it.
     *
     * @throws CredentialIntegrityException saying how it differs
     */
    private CredentialRecord<String> verified(StoreManifest m, String name, Stored s) {
        Long entry = m.entry(name);
        Path file = layout.fileOf(name);
        Path manifest = layout.manifestFile();
        if (s == null) {
            if (entry == null) {
                return null;
            }
            throw new CredentialIntegrityException("Credential '" + name + "' is missing from " + file + ", but the "
                    + "store's manifest " + manifest + " says write " + entry + " last changed it: it was removed "
                    + "behind the store's back. Restore it from a backup, or delete the credential to forget it");
        }
        if (s.legacy) {
            throw new CredentialIntegrityException("Credential '" + name + "' in " + file + " is an unauthenticated "
                    + "record of the old format " + RecordCodec.LEGACY_FORMAT + ", in a store whose records are "
                    + "authenticated: an old file was put back. The record is refused; delete the credential and write "
                    + "it again");
        }
        if (!s.store.equals(m.store)) {
            throw new CredentialIntegrityException("Credential '" + name + "' in " + file + " belongs to another "
                    + "credential store (" + s.store + ", not " + m.store + "): the file was copied in from elsewhere. "
                    + "The record is refused");
        }
        if (entry == null) {
            throw new CredentialIntegrityException("Credential '" + name + "' in " + file + " is not in the store's "
                    + "manifest " + manifest + " (the file is from write " + s.seq + " of " + m.seq + "): it was deleted "
                    + "and its file put back. The record is refused; delete the credential to remove it");
        }
        if (s.seq < entry) {
            throw new CredentialIntegrityException("Credential '" + name + "' in " + file + " was rolled back: the "
                    + "file holds its record as of write " + s.seq + ", but the store's manifest " + manifest
                    + " says write " + entry + " last changed it, so an older copy of the file was put back. The record "
                    + "is refused; restore the newest copy, or delete the credential and write it again");
        }
        if (s.seq > entry) {
            throw new CredentialIntegrityException("Credential '" + name + "' in " + file + " is newer (write " + s.seq
                    + ") than the store's manifest " + manifest + " knows (write " + entry + "): the manifest was "
                    + "replaced by an older copy. Restore the newest manifest");
        }
        return s.record;
    }

    // ---------------------------------------------------------------- the store's operations

    @Override
    protected CredentialRecord<String> load(String name) {
        ensureOpen();
        Path file = layout.fileOf(name);
        try {
            StoreManifest m = currentManifest();
            Stored s = layout.read(name);
            if (m.seq >= newestSeen.get() && agrees(m, name, s)) {
                newestSeen.accumulateAndGet(m.seq, Math::max);
                return s == null ? null : s.record;
            }
        } catch (IOException e) {
            throw failure("read credential '" + name + "' from", file, e);
        }
        // A write landed between the two reads, or a write was interrupted, or a file was tampered
        // with: decide holding the lock, where no write is half done.
        return locked("read credential '" + name + "' from", file, () -> verified(settled(), name, layout.read(name)));
    }

    /** Holding the lock: the manifest after finishing a noted write, never older than one seen. */
    private StoreManifest settled() throws IOException {
        StoreManifest m = finishNotedWrite(currentManifest());
        long seen = newestSeen.get();
        if (m.seq < seen) {
            throw new CredentialIntegrityException("The credential store's manifest " + layout.manifestFile()
                    + " went back from write " + seen + " to write " + m.seq + " while the store was open: it was "
                    + "replaced by an older copy. Restore the newest manifest");
        }
        newestSeen.accumulateAndGet(m.seq, Math::max);
        return m;
    }

    @Override
    protected <T> T mutate(String name, boolean create, Mutation<String, T> mutation) {
        return locked("write credential '" + name + "' to", layout.fileOf(name), () -> {
            StoreManifest m = settled();
            CredentialRecord<String> record = verified(m, name, layout.read(name));
            if (record == null && !create) {
                throw notFound(name);
            }
            if (record == null) {
                record = CredentialRecord.create(name, now());
            }
            T result = mutation.apply(record);
            commit(m, List.of(record), List.of());
            return result;
        });
    }

    /**
     * Removes a credential. A record that fails its check is removed too: deleting is how its owner
     * gets rid of a rolled-back or foreign record.
     */
    @Override
    protected boolean remove(String name) {
        return locked("remove credential '" + name + "' from", layout.fileOf(name), () -> {
            StoreManifest m = settled();
            boolean exists;
            try {
                exists = layout.read(name) != null;
            } catch (CredentialIntegrityException unreadable) {
                exists = layout.holds(name);
            }
            if (!exists && m.entry(name) == null) {
                return false;
            }
            commit(m, List.of(), List.of(name));
            return true;
        });
    }

    /**
     * Lists records. One whose file is authentic but not the one the manifest expects (rolled back,
     * deleted and put back, from another store) is left out and logged as an error, so that one bad
     * credential does not stop every listing; reading it by name throws. A file that fails its
     * authentication, or is not a record, fails the listing as before.
     */
    @Override
    protected List<CredentialRecord<String>> loadAll(String prefix) {
        ensureOpen();
        try {
            StoreManifest m = currentManifest();
            List<Stored> all = layout.readAll(prefix, null);
            if (m.seq >= newestSeen.get() && agreesAll(m, prefix, all)) {
                List<CredentialRecord<String>> records = new ArrayList<>();
                all.forEach(s -> records.add(s.record));
                return records;
            }
        } catch (IOException e) {
            throw failure("list credentials in", layout.location(), e);
        }
        return locked("list credentials in", layout.location(), () -> {
            StoreManifest m = settled();
            List<CredentialRecord<String>> records = new ArrayList<>();
            Map<String, Boolean> seen = new TreeMap<>();
            for (Stored s : layout.readAll(prefix, null)) {
                seen.put(s.name(), true);
                try {
                    records.add(verified(m, s.name(), s));
                } catch (CredentialIntegrityException e) {
                    LOG.error("Credential store {}: left out of a listing: {}", layout.location(), e.getMessage());
                }
            }
            for (String name : m.entries().keySet()) {
                if (name.startsWith(prefix) && !seen.containsKey(name)) {
                    try {
                        verified(m, name, null);
                    } catch (CredentialIntegrityException e) {
                        LOG.error("Credential store {}: {}", layout.location(), e.getMessage());
                    }
                }
            }
            return records;
        });
    }

    private boolean agreesAll(StoreManifest m, String prefix, List<Stored> all) {
        int known = 0;
        for (Stored s : all) {
            if (!agrees(m, s.name(), s)) {
                return false;
            }
            known++;
        }
        int expected = 0;
        for (String name : m.entries().keySet()) {
            if (name.startsWith(prefix)) {
                expected++;
            }
        }
        return known == expected;
    }

    @Override
    protected String seal(String name, int version, SecretValue value) {
        return cipher.seal(name, version, value);
    }

    @Override
    protected SecretValue open(String name, int version, String payload) {
        try {
            return cipher.open(name, version, payload);
        } catch (CredentialIntegrityException e) {
            throw new CredentialIntegrityException(e.getMessage() + " (in " + layout.fileOf(name) + ")", e);
        }
    }

    /**
     * Re-encrypts under the key ring's primary every stored version encrypted under another key, and
     * re-authenticates every record and the manifest under it, without changing versions, times or
     * metadata; returns how many versions it re-encrypted. Holds the store's lock throughout.
     */
    public int rewrap() {
        String primary = cipher.ring().primary().id();
        return locked("re-encrypt the credentials in", layout.location(), () -> {
            StoreManifest m = settled();
            int count = 0;
            List<CredentialRecord<String>> changed = new ArrayList<>();
            for (Stored s : layout.readAll("", null)) {
                CredentialRecord<String> record = verified(m, s.name(), s);
                int before = count;
                for (CredentialRecord.Version<String> v : record.versions()) {
                    if (v.payload() == null || primary.equals(cipher.keyIdOf(record.name(), v.number(), v.payload()))) {
                        continue;
                    }
                    SecretValue value = open(record.name(), v.number(), v.payload());
                    try {
                        v.payload(cipher.seal(record.name(), v.number(), value));
                    } finally {
                        value.clear();
                    }
                    count++;
                }
                if (count > before || !primary.equals(s.macKey)) {
                    changed.add(record);
                }
            }
            if (!changed.isEmpty() || !primary.equals(m.macKey)) {
                commit(m, changed, List.of());
            }
            return count;
        });
    }

    /** Releases this instance's share of the lock; later calls throw {@link IllegalStateException}. */
    @Override
    public void close() {
        closed = true;
        mutex.release();
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("The credential store in " + layout.location() + " is closed");
        }
    }

    private <T> T locked(String operation, Path path, FileMutex.Locked<T> work) {
        ensureOpen();
        try {
            return mutex.call(work);
        } catch (IOException e) {
            throw failure(operation, path, e);
        } catch (UncheckedIOException e) {
            throw failure(operation, path, e.getCause());
        }
    }

    private static CredentialException failure(String operation, Path path, IOException e) {
        return new CredentialException("Cannot " + operation + " " + path + ": " + e, e);
    }

    @Override
    public String toString() {
        return layout + ", key ring " + cipher.ring();
    }

    private static byte[] readIfExists(Path file) throws IOException {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** Where records are kept and how they are read and replaced. */
    private abstract static class Layout {
        /** Set once by the engine before any use. */
        KeyRingMac mac;

        /** The directory holding the files, the lock file and temporary files. */
        abstract Path directory();

        /** The directory or the single file. */
        abstract Path location();

        abstract Path lockFile();

        abstract Path manifestFile();

        /** The file {@code name} is kept in. */
        abstract Path fileOf(String name);

        /** Whether a file of the directory is a temporary file of this layout. */
        abstract boolean isTemporary(String fileName);

        /** The record of {@code name} as stored, authenticated (not yet checked against the manifest), or null. */
        abstract Stored read(String name) throws IOException;

        /**
         * Every record whose name starts with {@code prefix}. A file that is not an authentic record
         * throws, or, if {@code unreadable} is given, is added to it and skipped.
         */
        abstract List<Stored> readAll(String prefix, List<CredentialIntegrityException> unreadable) throws IOException;

        /** Whether anything, readable or not, is stored for {@code name}. */
        abstract boolean holds(String name) throws IOException;

        /** Saves records (holding the lock); new files get {@code attributes}. */
        abstract void write(List<Stored> records, FileAttribute<?>[] attributes) throws IOException;

        /** Removes a record (holding the lock); returns whether it existed. */
        abstract boolean remove(String name, FileAttribute<?>[] attributes) throws IOException;
    }

    /**
     * One file per credential. File names must be unique on case-insensitive file systems too, and
     * at most 255 bytes: so a name of up to 150 characters is spelled in lower-case base32
     * ({@code c-<base32>.json}), and a longer one by its SHA-256 ({@code h-<hex>.json}). Each file
     * also holds the credential's name, checked on every read, so a renamed or swapped file is
     * refused.
     */
    private static final class DirectoryLayout extends Layout {
        private static final int MAX_SPELLED = 150;
        private static final Pattern RECORD = Pattern.compile("[ch]-[a-z2-7]+\\.json");
        private static final Pattern TEMPORARY = Pattern.compile("[ch]-[a-z2-7]+\\.json\\.[0-9a-f]{16}\\.tmp");

        private final Path directory;

        DirectoryLayout(Path directory) {
            this.directory = directory;
        }

        @Override
        Path directory() {
            return directory;
        }

        @Override
        Path location() {
            return directory;
        }

        @Override
        Path lockFile() {
            return directory.resolve(LOCK_FILE);
        }

        @Override
        Path manifestFile() {
            return directory.resolve(MANIFEST_FILE);
        }

        @Override
        Path fileOf(String name) {
            return directory.resolve(fileName(name));
        }

        static String fileName(String name) {
            byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
            if (name.length() <= MAX_SPELLED) {
                return "c-" + base32(bytes) + ".json";
            }
            try {
                return "h-" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)) + ".json";
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is not available", e);
            }
        }

        @Override
        boolean isTemporary(String fileName) {
            return TEMPORARY.matcher(fileName).matches() || DurableFiles.isTemporary(fileName, MANIFEST_FILE);
        }

        @Override
        Stored read(String name) throws IOException {
            Path file = fileOf(name);
            byte[] content = readIfExists(file);
            if (content == null) {
                return null;
            }
            Stored stored = RecordCodec.decodeRecord(content, file, mac);
            if (!stored.name().equals(name)) {
                throw new CredentialIntegrityException("Credential file " + file + " holds credential '" + stored.name()
                        + "', not '" + name + "': files were renamed or swapped");
            }
            return stored;
        }

        @Override
        boolean holds(String name) {
            return Files.exists(fileOf(name));
        }

        @Override
        List<Stored> readAll(String prefix, List<CredentialIntegrityException> unreadable) throws IOException {
            List<Stored> records = new ArrayList<>();
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
                for (Path file : entries) {
                    String fileName = file.getFileName().toString();
                    if (!RECORD.matcher(fileName).matches()) {
                        continue;
                    }
                    byte[] content = readIfExists(file);
                    if (content == null) {
                        continue; // Removed since the listing.
                    }
                    Stored stored;
                    try {
                        stored = RecordCodec.decodeRecord(content, file, mac);
                        if (!fileName(stored.name()).equals(fileName)) {
                            throw new CredentialIntegrityException("Credential file " + file + " holds credential '"
                                    + stored.name() + "', which belongs in " + fileName(stored.name())
                                    + ": files were renamed or swapped");
                        }
                    } catch (CredentialIntegrityException e) {
                        if (unreadable == null) {
                            throw e;
                        }
                        unreadable.add(e);
                        continue;
                    }
                    if (stored.name().startsWith(prefix)) {
                        records.add(stored);
                    }
                }
            }
            return records;
        }

        @Override
        void write(List<Stored> records, FileAttribute<?>[] attributes) throws IOException {
            for (Stored record : records) {
                DurableFiles.replace(fileOf(record.name()), RecordCodec.encodeRecord(record, mac), attributes);
            }
        }

        @Override
        boolean remove(String name, FileAttribute<?>[] attributes) throws IOException {
            return DurableFiles.delete(fileOf(name));
        }

        @Override
        public String toString() {
            return "FileCredentialStore[directory " + directory + "]";
        }
    }

    /** Every credential in one file, rewritten whole on every change. */
    private static final class SingleFileLayout extends Layout {
        private final Path file;
        private final String fileName;

        SingleFileLayout(Path file) {
            this.file = file;
            this.fileName = file.getFileName().toString();
        }

        @Override
        Path directory() {
            return file.getParent();
        }

        @Override
        Path location() {
            return file;
        }

        @Override
        Path lockFile() {
            return file.resolveSibling(fileName + LOCK_FILE);
        }

        @Override
        Path manifestFile() {
            return file.resolveSibling(fileName + MANIFEST_FILE);
        }

        @Override
        Path fileOf(String name) {
            return file;
        }

        @Override
        boolean isTemporary(String name) {
            return DurableFiles.isTemporary(name, fileName) || DurableFiles.isTemporary(name, fileName + MANIFEST_FILE);
        }

        private TreeMap<String, Stored> all() throws IOException {
            TreeMap<String, Stored> records = new TreeMap<>();
            byte[] content = readIfExists(file);
            if (content != null) {
                for (Stored r : RecordCodec.decodeAll(content, file, mac)) {
                    records.put(r.name(), r);
                }
            }
            return records;
        }

        @Override
        Stored read(String name) throws IOException {
            return all().get(name);
        }

        @Override
        boolean holds(String name) throws IOException {
            return all().containsKey(name);
        }

        @Override
        List<Stored> readAll(String prefix, List<CredentialIntegrityException> unreadable) throws IOException {
            TreeMap<String, Stored> all;
            try {
                all = all();
            } catch (CredentialIntegrityException e) {
                if (unreadable == null) {
                    throw e;
                }
                unreadable.add(e);
                return List.of();
            }
            List<Stored> result = new ArrayList<>();
            for (Stored r : all.tailMap(prefix, true).values()) {
                if (!r.name().startsWith(prefix)) {
                    break;
                }
                result.add(r);
            }
            return result;
        }

        @Override
        void write(List<Stored> changed, FileAttribute<?>[] attributes) throws IOException {
            TreeMap<String, Stored> records = all();
            for (Stored r : changed) {
                records.put(r.name(), r);
            }
            DurableFiles.replace(file, RecordCodec.encodeAll(records.values(), mac), attributes);
        }

        @Override
        boolean remove(String name, FileAttribute<?>[] attributes) throws IOException {
            TreeMap<String, Stored> records = all();
            if (records.remove(name) == null) {
                return false;
            }
            DurableFiles.replace(file, RecordCodec.encodeAll(records.values(), mac), attributes);
            return true;
        }

        @Override
        public String toString() {
            return "FileCredentialStore[file " + file + "]";
        }
    }

    /** The name of the file holding {@code name} in the directory layout (for tests). */
    static String directoryFileName(String name) {
        return DirectoryLayout.fileName(name);
    }

    private static final char[] BASE32 = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();

    /** RFC 4648 base32, lower case, unpadded: safe in file names on every file system. */
    static String base32(byte[] bytes) {
        StringBuilder out = new StringBuilder((bytes.length * 8 + 4) / 5);
        int buffer = 0;
        int bits = 0;
        for (byte b : bytes) {
            buffer = (buffer << 8) | (b & 0xff);
            bits += 8;
            while (bits >= 5) {
                out.append(BASE32[(buffer >>> (bits - 5)) & 31]);
                bits -= 5;
            }
        }
        if (bits > 0) {
            out.append(BASE32[(buffer << (5 - bits)) & 31]);
        }
        return out.toString();
    }
}
