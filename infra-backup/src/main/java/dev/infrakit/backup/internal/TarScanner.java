package dev.infrakit.backup.internal;

import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * Passes a tar stream through unchanged while reading its headers as they go by: it counts the
 * members and their bytes, and keeps a copy of the content of one member (such as
 * {@code pg_basebackup}'s {@code backup_manifest}), bounded. ustar and GNU headers, octal and
 * base-256 sizes. A stream that is not a tar, or one that ends inside a member, is reported by
 * {@link #finish()}. Not thread-safe.
 */
public final class TarScanner extends FilterOutputStream {
    private static final int BLOCK = 512;

    private final String wanted;
    private final int maxWanted;
    private final byte[] header = new byte[BLOCK];
    private int headerFilled;
    private long remaining; // data bytes left in the current member
    private long padding; // padding bytes left after it
    private ByteArrayOutputStream capture; // the wanted member's content while it goes by
    private byte[] captured;
    private long members;
    private long bytes;
    private int zeroBlocks;
    private boolean ended;

    /**
     * @param out where the stream goes
     * @param wanted the name of the member to keep a copy of
     * @param maxWanted the most bytes of it kept (a larger one fails the stream)
     */
    public TarScanner(OutputStream out, String wanted, int maxWanted) {
        super(Objects.requireNonNull(out, "out"));
        this.wanted = Objects.requireNonNull(wanted, "wanted");
        this.maxWanted = maxWanted;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        out.write(b, off, len);
        int at = off;
        int end = off + len;
        while (at < end) {
            if (remaining > 0) {
                int n = (int) Math.min(remaining, end - at);
                if (capture != null) {
                    capture.write(b, at, n);
                }
                remaining -= n;
                at += n;
                if (remaining == 0 && capture != null) {
                    captured = capture.toByteArray();
                    capture = null;
                }
            } else if (padding > 0) {
                int n = (int) Math.min(padding, end - at);
                padding -= n;
                at += n;
            } else {
                int n = Math.min(BLOCK - headerFilled, end - at);
                System.arraycopy(b, at, header, headerFilled, n);
                headerFilled += n;
                at += n;
                if (headerFilled == BLOCK) {
                    headerFilled = 0;
                    header();
                }
            }
        }
    }

    private void header() throws IOException {
        if (ended) {
            return; // the zero blocks and the padding after the end
        }
        boolean zero = true;
        for (byte x : header) {
            if (x != 0) {
                zero = false;
                break;
            }
        }
        if (zero) {
            if (++zeroBlocks == 2) {
                ended = true;
            }
            return;
        }
        zeroBlocks = 0;
        if (!checksumMatches()) {
            throw new IOException("Not a tar stream: the header of member " + (members + 1) + " has a bad checksum");
        }
        String name = text(0, 100);
        String prefix = text(345, 155);
        if (!prefix.isEmpty() && header[257] == 'u') {
            name = prefix + "/" + name;
        }
        long size = size();
        char type = (char) header[156];
        members++;
        bytes += size;
        remaining = size;
        padding = (BLOCK - size % BLOCK) % BLOCK;
        if ((type == '0' || type == 0) && name.equals(wanted)) {
            if (size > maxWanted) {
                throw new IOException("Member " + wanted + " of the tar stream has " + size + " bytes, more than the "
                        + maxWanted + " kept");
            }
            capture = new ByteArrayOutputStream((int) size);
            if (size == 0) {
                captured = new byte[0];
                capture = null;
            }
        }
    }

    private boolean checksumMatches() {
        long sum = 0;
        for (int i = 0; i < BLOCK; i++) {
            sum += i >= 148 && i < 156 ? ' ' : header[i] & 0xff;
        }
        String recorded = text(148, 8).trim();
        try {
            return !recorded.isEmpty() && Long.parseLong(recorded, 8) == sum;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private long size() throws IOException {
        if ((header[124] & 0x80) != 0) { // base-256, for members of 8 GiB and more
            long size = 0;
            for (int i = 125; i < 136; i++) {
                size = (size << 8) | (header[i] & 0xff);
            }
            return size;
        }
        String octal = text(124, 12).trim();
        try {
            return octal.isEmpty() ? 0 : Long.parseLong(octal, 8);
        } catch (NumberFormatException e) {
            throw new IOException("Not a tar stream: member " + (members + 1) + " has no valid size");
        }
    }

    private String text(int offset, int length) {
        int end = offset;
        while (end < offset + length && header[end] != 0) {
            end++;
        }
        return new String(Arrays.copyOfRange(header, offset, end), StandardCharsets.UTF_8);
    }

    /**
     * Checks that the stream ended where a tar ends (after a member, with its end-of-archive blocks).
     *
     * @throws IOException if it ended inside a header or member, or without the end-of-archive blocks
     */
    public void finish() throws IOException {
        if (!ended || remaining > 0 || headerFilled > 0) {
            throw new IOException("The tar stream ended early: " + (remaining > 0 ? remaining + " bytes short inside "
                    + "member " + members : "without its end-of-archive blocks") + " (" + members + " members read)");
        }
    }

    /** The wanted member's content, or null if it has not gone by (whole). */
    public byte[] captured() {
        return captured;
    }

    /** The members seen. */
    public long members() {
        return members;
    }

    /** The bytes of the members' content seen. */
    public long memberBytes() {
        return bytes;
    }
}
