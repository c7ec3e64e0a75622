package dev.infrakit.backup.internal;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 digests and their lower-case hex form, as manifests record them. */
public final class Sha256 {

    /** What reading a stream to its end found: how many bytes, and their SHA-256. */
    public static final class Digest {
        private final long size;
        private final String hex;

        Digest(long size, String hex) {
            this.size = size;
            this.hex = hex;
        }

        /** The number of bytes read. */
        public long size() {
            return size;
        }

        /** Their SHA-256, lower-case hex. */
        public String hex() {
            return hex;
        }
    }

    private Sha256() {
    }

    /** A new SHA-256 digest. */
    public static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every Java runtime has SHA-256", e);
        }
    }

    /** The digest's value as lower-case hex (the digest is reset). */
    public static String hex(MessageDigest digest) {
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Reads {@code in} to its end (it is not closed) and returns its size and SHA-256. */
    public static Digest read(InputStream in) throws IOException {
        MessageDigest digest = newDigest();
        byte[] buffer = new byte[64 * 1024];
        long size = 0;
        int n;
        while ((n = in.read(buffer)) != -1) {
            digest.update(buffer, 0, n);
            size += n;
        }
        return new Digest(size, hex(digest));
    }
}
