package dev.infrakit.backup.internal;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tar stream passes through unchanged, whatever the write sizes, and what is not a whole tar is named. */
class TarScannerTest {
    private static byte[] tar(byte[] manifest) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (UstarWriter w = new UstarWriter(out)) {
            w.directory("base", 0700, 0);
            byte[] page = new byte[8192 * 3 + 17];
            new Random(1).nextBytes(page);
            w.file("base/1/1259", 0600, 0, page.length, new ByteArrayInputStream(page));
            w.file("empty", 0600, 0, 0, new ByteArrayInputStream(new byte[0]));
            w.file("backup_manifest", 0600, 0, manifest.length, new ByteArrayInputStream(manifest));
        }
        return out.toByteArray();
    }

    private static TarScanner scan(byte[] stream, int chunk, ByteArrayOutputStream copy) throws IOException {
        TarScanner scanner = new TarScanner(copy, "backup_manifest", 1 << 20);
        for (int at = 0; at < stream.length; at += chunk) {
            scanner.write(stream, at, Math.min(chunk, stream.length - at));
        }
        return scanner;
    }

    @Test
    void passesTheStreamThroughAndKeepsTheWantedMemberWhateverTheWriteSizes() throws IOException {
        byte[] manifest = "{ \"PostgreSQL-Backup-Manifest-Version\": 1 }".getBytes(StandardCharsets.UTF_8);
        byte[] stream = tar(manifest);
        for (int chunk : new int[] {1, 7, 511, 512, 513, 4096, stream.length}) {
            ByteArrayOutputStream copy = new ByteArrayOutputStream();
            TarScanner scanner = scan(stream, chunk, copy);
            scanner.finish();
            assertArrayEquals(stream, copy.toByteArray(), "unchanged, writes of " + chunk);
            assertArrayEquals(manifest, scanner.captured(), "writes of " + chunk);
            assertEquals(4, scanner.members());
            assertEquals(8192 * 3 + 17 + manifest.length, scanner.memberBytes());
        }
    }

    @Test
    void aStreamCutShortOrNotATarIsNamed() throws IOException {
        byte[] stream = tar("{}".getBytes(StandardCharsets.UTF_8));
        for (int cut : new int[] {100, 512, 700, 512 * 3 + 5, stream.length - 1024 - 512, stream.length - 600}) {
            TarScanner scanner = scan(Arrays.copyOf(stream, cut), 4096, new ByteArrayOutputStream());
            IOException e = assertThrows(IOException.class, scanner::finish, "cut at " + cut);
            assertTrue(e.getMessage().contains("ended early"), e.getMessage());
        }
        byte[] garbage = new byte[2048];
        new Random(2).nextBytes(garbage);
        IOException notATar = assertThrows(IOException.class, () -> scan(garbage, 512, new ByteArrayOutputStream()));
        assertTrue(notATar.getMessage().contains("bad checksum"), notATar.getMessage());
        byte[] flipped = stream.clone();
        flipped[10] ^= 1; // a name byte of the first header: its checksum no longer matches
        assertThrows(IOException.class, () -> scan(flipped, 512, new ByteArrayOutputStream()));
    }

    @Test
    void aWantedMemberLargerThanItsBoundFailsAndAMissingOneIsNull() throws IOException {
        byte[] big = new byte[3000];
        byte[] stream = tar(big);
        TarScanner bounded = new TarScanner(new ByteArrayOutputStream(), "backup_manifest", 1000);
        IOException e = assertThrows(IOException.class, () -> bounded.write(stream, 0, stream.length));
        assertTrue(e.getMessage().contains("more than the 1000 kept"), e.getMessage());
        TarScanner other = new TarScanner(new ByteArrayOutputStream(), "not-there", 1000);
        other.write(stream, 0, stream.length);
        other.finish();
        assertNull(other.captured());
    }
}
