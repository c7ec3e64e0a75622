package dev.infrakit.backup.internal;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Counts and SHA-256-hashes the bytes read through it, to check an artifact while it is used. */
public final class HashingInputStream extends FilterInputStream {
    private final MessageDigest sha256;
    private long size;

    /** @param in the stream to read */
    public HashingInputStream(InputStream in) {
        super(in);
        try {
            this.sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }

    @Override
    public int read() throws IOException {
        int b = in.read();
        if (b != -1) {
            sha256.update((byte) b);
            size++;
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n > 0) {
            sha256.update(b, off, n);
            size += n;
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        byte[] buffer = new byte[8192];
        long skipped = 0;
        while (skipped < n) {
            int r = read(buffer, 0, (int) Math.min(buffer.length, n - skipped));
            if (r < 0) {
                break;
            }
            skipped += r;
        }
        return skipped;
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    /** Reads the rest of the stream (so that the hash covers all of it). */
    public void drain() throws IOException {
        byte[] buffer = new byte[64 * 1024];
        while (read(buffer, 0, buffer.length) != -1) {
            // hashed by read
        }
    }

    /** The bytes read so far. */
    public long size() {
        return size;
    }

    /** The SHA-256 of the bytes read so far, lower-case hex; call once, at the end. */
    public String sha256() {
        return HexFormat.of().formatHex(sha256.digest());
    }
}
