package dev.infrakit.credentials;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import java.util.Set;

/**
 * A 256-bit master key: the root of encryption at rest. Given as base64 in a file or an
 * environment variable, so that several instances given the same key read the same store. Its
 * {@link #id()} is derived from the key itself (so instances agree on it without configuration);
 * the keys that actually encrypt are derived from it per purpose ({@link #derive(String)}).
 *
 * <p>Error messages never contain the key or any part of it; {@code toString()} shows only the id.
 */
public final class MasterKey {
    /** Bytes in a master key. */
    public static final int LENGTH = 32;

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
     * A key from a file holding its base64 text.
     *
     * @throws IllegalArgumentException if the file cannot be read or does not hold a key
     */
    public static MasterKey fromFile(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot read the master key file " + file + ": " + e.getMessage(), e);
        }
        return fromBase64(text, "The master key in " + file);
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
     * Generates a key into a new file (owner read/write only where the file system has POSIX
     * permissions), synced to disk.
     *
     * @throws IllegalArgumentException if the file exists or cannot be written
     */
    public static MasterKey generateToFile(Path file) {
        MasterKey key = generate();
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Set<PosixFilePermission> ownerOnly = PosixFilePermissions.fromString("rw-------");
            boolean posix = Files.getFileStore(parent).supportsFileAttributeView("posix");
            if (posix) {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(ownerOnly));
            } else {
                Files.createFile(file);
            }
            try (var channel = java.nio.channels.FileChannel.open(file, StandardOpenOption.WRITE)) {
                channel.write(java.nio.ByteBuffer.wrap((key.toBase64() + "\n").getBytes(StandardCharsets.US_ASCII)));
                channel.force(true);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot create the master key file " + file + ": " + e, e);
        }
        return key;
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

    private static byte[] hmac(byte[] key, byte[] data) {
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
