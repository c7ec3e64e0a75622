package dev.infrakit.backup;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/** Reads a (gzip-compressed) ustar archive back, checking every header's checksum. Test-only. */
public final class TinyTarReader {
    public record Entry(String name, char type, int mode, long size, long mtime, String linkName, byte[] content) {
    }

    private TinyTarReader() {
    }

    public static List<Entry> readGzip(byte[] archive) throws IOException {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(archive))) {
            return read(in.readAllBytes());
        }
    }

    public static List<Entry> read(byte[] tar) {
        List<Entry> entries = new ArrayList<>();
        int pos = 0;
        while (true) {
            if (pos + 512 > tar.length) {
                throw new IllegalStateException("archive ends without the two zero blocks");
            }
            if (isZero(tar, pos)) {
                if (!isZero(tar, pos + 512)) {
                    throw new IllegalStateException("one zero block, not two, at " + pos);
                }
                return entries;
            }
            long sum = 0;
            for (int i = 0; i < 512; i++) {
                sum += i >= 148 && i < 156 ? ' ' : tar[pos + i] & 0xff;
            }
            if (sum != octal(tar, pos + 148, 8)) {
                throw new IllegalStateException("bad header checksum at " + pos);
            }
            if (!"ustar\0".equals(text(tar, pos + 257, 6, true)) || tar[pos + 263] != '0' || tar[pos + 264] != '0') {
                throw new IllegalStateException("not a ustar header at " + pos);
            }
            String prefix = text(tar, pos + 345, 155, false);
            String name = (prefix.isEmpty() ? "" : prefix + "/") + text(tar, pos, 100, false);
            long size = (tar[pos + 124] & 0x80) != 0 ? base256(tar, pos + 124) : octal(tar, pos + 124, 12);
            char type = (char) tar[pos + 156];
            byte[] content = new byte[(int) size];
            System.arraycopy(tar, pos + 512, content, 0, (int) size);
            entries.add(new Entry(name, type, (int) octal(tar, pos + 100, 8), size, octal(tar, pos + 136, 12),
                    text(tar, pos + 157, 100, false), content));
            pos += 512 + (int) ((size + 511) / 512 * 512);
        }
    }

    private static boolean isZero(byte[] b, int pos) {
        for (int i = 0; i < 512; i++) {
            if (b[pos + i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static String text(byte[] b, int off, int len, boolean raw) {
        int end = off;
        while (!raw && end < off + len && b[end] != 0) {
            end++;
        }
        return new String(b, off, raw ? len : end - off, StandardCharsets.UTF_8);
    }

    private static long octal(byte[] b, int off, int len) {
        String s = text(b, off, len, false).trim();
        return s.isEmpty() ? 0 : Long.parseLong(s, 8);
    }

    private static long base256(byte[] b, int off) {
        long v = 0;
        for (int i = 1; i < 12; i++) {
            v = (v << 8) | (b[off + i] & 0xff);
        }
        return v;
    }
}
