package dev.infrakit.credentials;

import dev.infrakit.core.http.ClientText;
import dev.infrakit.core.io.SecretFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * A 256-bit master key: the root of encryption at rest. Given as base64 in a file or an
 * environment variable, so that several instances given the same key read the same store. Its
 * {@link #id()} is derived from the key itself (so instances agree on it without configuration);
 * the keys that actually encrypt are derived from it per purpose ({@link #derive(String)}).
 *
 * <p><b>Key files</b> are held to the rules OpenSSH applies to private keys, checked where the file
 * system has POSIX permissions (elsewhere, e.g. on Windows, none of them apply):
 * <ul>
 *   <li>{@link #fromFile} <em>refuses</em> (with {@link IllegalArgumentException}, naming the file
 *   and the one thing to fix) a file that is a symbolic link (it is opened with
 *   {@code NOFOLLOW_LINKS}: name the file itself, or give the key in an environment variable), that
 *   is not a regular file, that is owned by another user than the one running the process, or that
 *   grants any permission to its group or to others (mode {@code 0600} or {@code 0400} only): a
 *   key others can read is no longer secret, and one others own or can replace is not the
 *   operator's. A file replaced while it is read is refused too.</li>
 *   <li>It <em>warns</em> (SLF4J, WARN) when the directory holding the file is writable by its
 *   group or by others without the sticky bit: the key itself is sound, but someone else could
 *   swap it for the next start.</li>
 *   <li>{@link #generateToFile} creates the file and writes the key through one handle
 *   ({@code CREATE_NEW} with {@code NOFOLLOW_LINKS}, owner read/write set atomically at creation):
 *   it never writes into a file or through a link planted at the path, and never widens what the
 *   umask leaves.</li>
 * </ul>
 *
 * <p>Error messages never contain the key or any part of it; {@code toString()} shows only the id.
 */
public final class MasterKey {
    /** Bytes in a master key. */
    public static final int LENGTH = 32;

    private static final Logger LOG = LoggerFactory.getLogger(MasterKey.class);
    /** A key file holds about 45 characters; anything much larger is not a key file. */
    private static final int MAX_FILE_BYTES = 4096;
    private static final Set<PosixFilePermission> NOT_OWNER = EnumSet.of(PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private final byte[] key;
    private final String id;

    private MasterKey(byte[] key) {
        this.key = key;
        this.id = "mk-" + Base64.getUrlEncoder().withoutPadding().encodeToString(
                Arrays.copyOf(hmac(key, "infrakit master key id"), 9));
    }

    /**
     * A key from its base64 text (standard or URL-safe alphabet; surrounding whitespace ignored).
     *
     * @throws IllegalArgumentException if it is not base64 of exactly 32 bytes (the message never
     *     shows the text)
     */
    public static MasterKey fromBase64(String base64) {
        return fromBase64(base64, "The master key");
    }

    private static MasterKey fromBase64(String base64, String what) {
        Objects.requireNonNull(base64, "base64");
        String text = base64.strip();
        byte[] bytes;
        try {
            bytes = text.indexOf('-') >= 0 || text.indexOf('_') >= 0 ? Base64.getUrlDecoder().decode(text)
                    : Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + " is not valid base64 (expected 32 random bytes in base64, e.g. "
                    + "from `openssl rand -base64 32`)");
        }
        if (bytes.length != LENGTH) {
            int n = bytes.length;
            Arrays.fill(bytes, (byte) 0);
            throw new IllegalArgumentException(what + " decodes to " + n + " bytes; expected " + LENGTH
                    + " (a 256-bit key, e.g. from `openssl rand -base64 32`)");
        }
        return new MasterKey(bytes);
    }

    /** A key from raw bytes (copied). */
    public static MasterKey of(byte[] key) {
        if (Objects.requireNonNull(key, "key").length != LENGTH) {
            throw new IllegalArgumentException("A master key has " + LENGTH + " bytes, got " + key.length);
        }
        return new MasterKey(key.clone());
    }

    /**
     * A key from a file holding its base64 text, after checking the file as the class comment
     * describes (a symbolic link, another owner, or any permission for group or others: refused).
     *
     * @throws IllegalArgumentException if the file is refused, cannot be read or does not hold a
     *     key; the message names the file and what to do, never any of its content
     */
    public static MasterKey fromFile(Path file) {
        Objects.requireNonNull(file, "file");
        String text;
        try {
            text = new String(readKeyFile(file), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot read the master key file " + file + ": " + e.getMessage(), e);
        }
        return fromBase64(text, "The master key in " + file);
    }

    /** Checks {@code file}, then reads it through a handle opened without following a link. */
    private static byte[] readKeyFile(Path file) throws IOException {
        return SecretFiles.read(file, MAX_FILE_BYTES, "master key");
    }

    /**
     * A key from an environment variable holding its base64 text.
     *
     * @throws IllegalArgumentException if the variable is unset or does not hold a key
     */
    public static MasterKey fromEnvironment(String variable) {
        String text = System.getenv(variable);
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("The environment variable " + variable + " holding the master key is not set");
        }
        return fromBase64(text, "The master key in " + variable);
    }

    /** A new random key. */
    public static MasterKey generate() {
        byte[] bytes = new byte[LENGTH];
        new SecureRandom().nextBytes(bytes);
        return new MasterKey(bytes);
    }

    /**
     * Generates a key into a new file, synced to disk: created and written through one handle
     * ({@code CREATE_NEW}, {@code NOFOLLOW_LINKS}; owner read/write only, set atomically at creation
     * where the file system has POSIX permissions). A file, or a symbolic link (even a dangling one),
     * already at the path is neither followed, nor written, nor replaced.
     *
     * @throws IllegalArgumentException if anything is at the path already, or the file cannot be
     *     written (a file this call created is then removed)
     */
    public static MasterKey generateToFile(Path file) {
        Objects.requireNonNull(file, "file");
        MasterKey key = generate();
        Path parent = file.toAbsolutePath().getParent();
        boolean created = false;
        try {
            Files.createDirectories(parent);
            Set<OpenOption> options = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                    LinkOption.NOFOLLOW_LINKS);
            boolean posix = Files.getFileStore(parent).supportsFileAttributeView("posix");
            byte[] text = (key.toBase64() + "\n").getBytes(StandardCharsets.US_ASCII);
            try (FileChannel channel = posix
                    ? FileChannel.open(file, options, PosixFilePermissions.asFileAttribute(
                            PosixFilePermissions.fromString("rw-------")))
                    : FileChannel.open(file, options)) {
                created = true;
                ByteBuffer buffer = ByteBuffer.wrap(text);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            } finally {
                Arrays.fill(text, (byte) 0);
            }
            syncDirectory(parent);
        } catch (FileAlreadyExistsException e) {
            throw new IllegalArgumentException("Refusing to create the master key file " + file + ": something is "
                    + "already there (a file or a link); it is neither followed nor overwritten", e);
        } catch (IOException e) {
            if (created) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException cleanup) {
                    e.addSuppressed(cleanup);
                }
            }
            throw new IllegalArgumentException("Cannot create the master key file " + file + ": " + e, e);
        }
        return key;
    }

    private static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | RuntimeException e) {
            // Not every platform can sync a directory; the file itself is synced.
        }
    }

    /** The key's id: {@code mk-} and 12 characters derived from the key (not revealing it). */
    public String id() {
        return id;
    }

    /** The key as base64, to store it somewhere safe. */
    public String toBase64() {
        return Base64.getEncoder().encodeToString(key);
    }

    /**
     * A 256-bit key for one purpose (HKDF-SHA256 with the purpose as info): each use of the master
     * key gets its own key, so none weakens another.
     */
    public byte[] derive(String purpose) {
        Objects.requireNonNull(purpose, "purpose");
        byte[] prk = hmac(new byte[LENGTH], key);
        byte[] info = (purpose + "\u0001").getBytes(StandardCharsets.UTF_8);
        byte[] okm = hmac(prk, info);
        Arrays.fill(prk, (byte) 0);
        return okm;
    }

    private static byte[] hmac(byte[] key, String data) {
        return hmac(key, data.getBytes(StandardCharsets.UTF_8));
    }

    /** HMAC-SHA256 of {@code data} under {@code key} (also what {@link KeyRingMac} computes). */
    static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    /** Same key bytes (compared in constant time). */
    @Override
    public boolean equals(Object o) {
        return o instanceof MasterKey && MessageDigest.isEqual(key, ((MasterKey) o).key);
    }

    @Override
    public int hashCode() {
        return id.hashCode();
    }

    @Override
    public String toString() {
        return "MasterKey[" + id + "]";
    }
}
