package dev.infrakit.backup.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A minimal POSIX ustar writer: regular files, directories and symbolic links, 512-byte headers,
 * two zero blocks at the end. Names longer than 100 bytes are split at a {@code /} into the
 * header's 155-byte prefix and 100-byte name fields; a name that cannot be split that way, or a
 * link target longer than 100 bytes, is an {@link IllegalArgumentException} (no pax or GNU long
 * names). Sizes of 8 GiB and more use the base-256 size encoding that GNU tar and libarchive read.
 * Owners are not recorded (uid and gid 0, no names): a restore belongs to whoever extracts it.
 * Not thread-safe.
 */
public final class UstarWriter implements AutoCloseable {
    private static final int BLOCK = 512;
    private static final long MAX_OCTAL_SIZE = 077777777777L;

    private final OutputStream out;
    private final byte[] buffer = new byte[64 * 1024];

    /** @param out where the archive goes (not closed by {@link #close()}) */
    public UstarWriter(OutputStream out) {
        this.out = out;
    }

    /** A directory entry; {@code name} is relative, with {@code /} separators. */
    public void directory(String name, int mode, long mtimeSeconds) throws IOException {
        out.write(header(name.endsWith("/") ? name : name + "/", mode, 0, mtimeSeconds, '5', ""));
    }

    /** A symbolic link to {@code target}, stored as a link (never followed). */
    public void symlink(String name, String target, long mtimeSeconds) throws IOException {
        out.write(header(name, 0777, 0, mtimeSeconds, '2', target));
    }

    /**
     * A regular file of exactly {@code size} bytes read from {@code content}.
     *
     * @return whether {@code content} had more bytes than {@code size} (the file grew while it was
     *     read; only {@code size} bytes were stored)
     * @throws IOException if {@code content} ends before {@code size} bytes (the file shrank)
     */
    public boolean file(String name, int mode, long mtimeSeconds, long size, InputStream content) throws IOException {
        out.write(header(name, mode, size, mtimeSeconds, '0', ""));
        long left = size;
        while (left > 0) {
            int n = content.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) {
                throw new IOException(name + " shrank while it was archived: " + (size - left) + " of " + size
                        + " bytes read");
            }
            out.write(buffer, 0, n);
            left -= n;
        }
        int pad = (int) ((BLOCK - size % BLOCK) % BLOCK);
        out.write(new byte[pad]);
        return content.read() != -1;
    }

    /** Writes the end-of-archive marker (two zero blocks); the stream stays open. */
    @Override
    public void close() throws IOException {
        out.write(new byte[2 * BLOCK]);
        out.flush();
    }

    static byte[] header(String name, int mode, long size, long mtime, char type, String linkName) {
        byte[] h = new byte[BLOCK];
        byte[] full = name.getBytes(StandardCharsets.UTF_8);
        if (full.length <= 100) {
            System.arraycopy(full, 0, h, 0, full.length);
        } else {
            int split = splitPoint(full);
            if (split < 0) {
                throw new IllegalArgumentException("Path too long for a ustar archive (" + full.length + " bytes; "
                        + "at most a 155-byte directory part and a 100-byte last part): " + name);
            }
            System.arraycopy(full, split + 1, h, 0, full.length - split - 1);
            System.arraycopy(full, 0, h, 345, split);
        }
        octal(h, 100, 8, mode & 07777);
        octal(h, 108, 8, 0);
        octal(h, 116, 8, 0);
        if (size > MAX_OCTAL_SIZE) {
            h[124] = (byte) 0x80;
            for (int i = 0; i < 8; i++) {
                h[135 - i] = (byte) (size >>> (8 * i));
            }
        } else {
            octal(h, 124, 12, size);
        }
        octal(h, 136, 12, Math.max(0, Math.min(mtime, MAX_OCTAL_SIZE)));
        h[156] = (byte) type;
        byte[] link = linkName.getBytes(StandardCharsets.UTF_8);
        if (link.length > 100) {
            throw new IllegalArgumentException("Link target too long for a ustar archive (" + link.length
                    + " bytes, at most 100): " + name + " -> " + linkName);
        }
        System.arraycopy(link, 0, h, 157, link.length);
        System.arraycopy("ustar\0".getBytes(StandardCharsets.US_ASCII), 0, h, 257, 6);
        h[263] = '0';
        h[264] = '0';
        Arrays.fill(h, 148, 156, (byte) ' ');
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        octal(h, 148, 7, sum);
        h[155] = ' ';
        return h;
    }

    /** The index of a {@code /} leaving at most 155 bytes before it and 1..100 after it, or -1. */
    private static int splitPoint(byte[] name) {
        for (int i = Math.min(155, name.length - 2); i > 0; i--) {
            if (name[i] == '/' && name.length - i - 1 <= 100) {
                return i;
            }
        }
        return -1;
    }

    /** {@code value} as zero-padded octal in {@code length - 1} digits and a NUL. */
    private static void octal(byte[] h, int offset, int length, long value) {
        String s = Long.toOctalString(value);
        if (s.length() > length - 1) {
            throw new IllegalArgumentException("Value " + value + " does not fit a " + length + "-byte header field");
        }
        int pad = length - 1 - s.length();
        for (int i = 0; i < pad; i++) {
            h[offset + i] = '0';
        }
        for (int i = 0; i < s.length(); i++) {
            h[offset + pad + i] = (byte) s.charAt(i);
        }
        h[offset + length - 1] = 0;
    }
}
