package dev.infrakit.credentials.internal;

import dev.infrakit.core.internal.DurableFiles;
import dev.infrakit.credentials.CredentialException;
import dev.infrakit.credentials.CredentialIntegrityException;
import dev.infrakit.credentials.KeyRing;
import dev.infrakit.credentials.SecretValue;

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
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The encrypted file store's records: each version's value is a JWE ({@link SecretCipher}), and the
 * records are JSON ({@link RecordCodec}), one file per credential or all in one file.
 *
 * <p>The scheme. Files are only ever replaced whole, by an atomic rename ({@link AtomicFiles}), so a
 * reader sees a complete old or complete new file and needs no lock. Every change takes the store's
 * {@link FileMutex} (in-process lock plus an exclusive lock on the lock file, so it excludes other
 * processes too), then reads the record again from disk, applies the change and replaces the file
 * before unlocking: a check-and-set decided under the lock sees every write that came before it, in
 * any process. Temporary files left by a crash are skipped by readers and deleted when a store is
 * opened (under the lock, so never a temporary file another process is still writing).
 *
 * <p>Thread-safe; several processes may share one store.
 */
public final class FileEngine extends RecordStore<String> {
    private static final String LOCK_FILE = ".lock";

    private final Layout layout;
    private final SecretCipher cipher;
    private final FileMutex mutex;
    private final FileAttribute<?>[] fileAttributes;
    private volatile boolean closed;

    private FileEngine(Layout layout, KeyRing ring, Clock clock, int maxVersions) {
        super(clock, maxVersions);
        this.layout = layout;
        this.cipher = new SecretCipher(Objects.requireNonNull(ring, "ring"));
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
            locked("remove temporary files in", directory, () -> {
                try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
                    for (Path p : entries) {
                        if (layout.isTemporary(p.getFileName().toString())) {
                            Files.deleteIfExists(p);
                        }
                    }
                }
                return null;
            });
        } catch (RuntimeException e) {
            mutex.release();
            throw e;
        }
    }

    /**
     * One file per credential in {@code directory}, named from the credential's name; the
     * directory holds nothing else but the lock file.
     */
    public static FileEngine directory(Path directory, KeyRing ring, Clock clock, int maxVersions) {
        return new FileEngine(new DirectoryLayout(directory.toAbsolutePath().normalize()), ring, clock, maxVersions);
    }

    /** Every credential in {@code file}; the lock file sits next to it. */
    public static FileEngine singleFile(Path file, KeyRing ring, Clock clock, int maxVersions) {
        return new FileEngine(new SingleFileLayout(file.toAbsolutePath().normalize()), ring, clock, maxVersions);
    }

    /** The directory, or the single file, the records are in. */
    public Path location() {
        return layout.location();
    }

    /** The key ring. */
    public KeyRing ring() {
        return cipher.ring();
    }

    @Override
    protected CredentialRecord<String> load(String name) {
        ensureOpen();
        try {
            return layout.read(name);
        } catch (IOException e) {
            throw failure("read credential '" + name + "' from", layout.fileOf(name), e);
        }
    }

    @Override
    protected <T> T mutate(String name, boolean create, Mutation<String, T> mutation) {
        return locked("write credential '" + name + "' to", layout.fileOf(name), () -> {
            CredentialRecord<String> record = layout.read(name);
            if (record == null && !create) {
                throw notFound(name);
            }
            if (record == null) {
                record = CredentialRecord.create(name, now());
            }
            T result = mutation.apply(record);
            layout.write(List.of(record), fileAttributes);
            return result;
        });
    }

    @Override
    protected boolean remove(String name) {
        return locked("remove credential '" + name + "' from", layout.fileOf(name), () -> layout.remove(name, fileAttributes));
    }

    @Override
    protected List<CredentialRecord<String>> loadAll(String prefix) {
        ensureOpen();
        try {
            return layout.readAll(prefix);
        } catch (IOException e) {
            throw failure("list credentials in", layout.location(), e);
        }
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
     * Re-encrypts under the key ring's primary every stored version encrypted under another key,
     * without changing versions, times or metadata; returns how many versions it re-encrypted.
     * Holds the store's lock throughout.
     */
    public int rewrap() {
        String primary = cipher.ring().primary().id();
        return locked("re-encrypt the credentials in", layout.location(), () -> {
            int count = 0;
            List<CredentialRecord<String>> changed = new ArrayList<>();
            for (CredentialRecord<String> record : layout.readAll("")) {
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
                if (count > before) {
                    changed.add(record);
                }
            }
            if (!changed.isEmpty()) {
                layout.write(changed, fileAttributes);
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
        /** The directory holding the files, the lock file and temporary files. */
        abstract Path directory();

        /** The directory or the single file. */
        abstract Path location();

        abstract Path lockFile();

        /** The file {@code name} is kept in. */
        abstract Path fileOf(String name);

        /** Whether a file of the directory is a temporary file of this layout. */
        abstract boolean isTemporary(String fileName);

        abstract CredentialRecord<String> read(String name) throws IOException;

        abstract List<CredentialRecord<String>> readAll(String prefix) throws IOException;

        /** Saves records (holding the lock); new files get {@code attributes}. */
        abstract void write(List<CredentialRecord<String>> records, FileAttribute<?>[] attributes) throws IOException;

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
            return TEMPORARY.matcher(fileName).matches();
        }

        @Override
        CredentialRecord<String> read(String name) throws IOException {
            Path file = fileOf(name);
            byte[] content = readIfExists(file);
            if (content == null) {
                return null;
            }
            CredentialRecord<String> record = RecordCodec.decodeRecord(content, file);
            if (!record.name().equals(name)) {
                throw new CredentialIntegrityException("Credential file " + file + " holds credential '" + record.name()
                        + "', not '" + name + "': files were renamed or swapped");
            }
            return record;
        }

        @Override
        List<CredentialRecord<String>> readAll(String prefix) throws IOException {
            List<CredentialRecord<String>> records = new ArrayList<>();
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
                    CredentialRecord<String> record = RecordCodec.decodeRecord(content, file);
                    if (!fileName(record.name()).equals(fileName)) {
                        throw new CredentialIntegrityException("Credential file " + file + " holds credential '"
                                + record.name() + "', which belongs in " + fileName(record.name())
                                + ": files were renamed or swapped");
                    }
                    if (record.name().startsWith(prefix)) {
                        records.add(record);
                    }
                }
            }
            return records;
        }

        @Override
        void write(List<CredentialRecord<String>> records, FileAttribute<?>[] attributes) throws IOException {
            for (CredentialRecord<String> record : records) {
                DurableFiles.replace(fileOf(record.name()), RecordCodec.encodeRecord(record), attributes);
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
        Path fileOf(String name) {
            return file;
        }

        @Override
        boolean isTemporary(String name) {
            return DurableFiles.isTemporary(name, fileName);
        }

        private TreeMap<String, CredentialRecord<String>> all() throws IOException {
            TreeMap<String, CredentialRecord<String>> records = new TreeMap<>();
            byte[] content = readIfExists(file);
            if (content != null) {
                for (CredentialRecord<String> r : RecordCodec.decodeAll(content, file)) {
                    records.put(r.name(), r);
                }
            }
            return records;
        }

        @Override
        CredentialRecord<String> read(String name) throws IOException {
            return all().get(name);
        }

        @Override
        List<CredentialRecord<String>> readAll(String prefix) throws IOException {
            List<CredentialRecord<String>> result = new ArrayList<>();
            for (CredentialRecord<String> r : all().tailMap(prefix, true).values()) {
                if (!r.name().startsWith(prefix)) {
                    break;
                }
                result.add(r);
            }
            return result;
        }

        @Override
        void write(List<CredentialRecord<String>> changed, FileAttribute<?>[] attributes) throws IOException {
            TreeMap<String, CredentialRecord<String>> records = all();
            for (CredentialRecord<String> r : changed) {
                records.put(r.name(), r);
            }
            DurableFiles.replace(file, RecordCodec.encodeAll(records.values()), attributes);
        }

        @Override
        boolean remove(String name, FileAttribute<?>[] attributes) throws IOException {
            TreeMap<String, CredentialRecord<String>> records = all();
            if (records.remove(name) == null) {
                return false;
            }
            DurableFiles.replace(file, RecordCodec.encodeAll(records.values()), attributes);
            return true;
        }

        @Override
        public String toString() {
            return "FileCredentialStore[file " + file + "]";
        }
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
