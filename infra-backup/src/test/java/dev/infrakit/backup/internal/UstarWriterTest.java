package dev.infrakit.backup.internal;

import dev.infrakit.backup.TinyTarReader;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UstarWriterTest {

    @Test
    void writesEntriesThatReadBack() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        byte[] content = "x".repeat(1000).getBytes(StandardCharsets.UTF_8);
        try (UstarWriter tar = new UstarWriter(bytes)) {
            tar.directory("dir", 0755, 1_700_000_000L);
            assertFalse(tar.file("dir/a.txt", 0640, 1_700_000_001L, content.length, new ByteArrayInputStream(content)));
            tar.file("dir/empty", 0600, 0, 0, new ByteArrayInputStream(new byte[0]));
            tar.symlink("dir/link", "a.txt", 5);
        }
        assertEquals(0, bytes.size() % 512);
        assertEquals(512 + 512 + 1024 + 512 + 512 + 1024, bytes.size());
        List<TinyTarReader.Entry> entries = TinyTarReader.read(bytes.toByteArray());
        assertEquals(List.of("dir/", "dir/a.txt", "dir/empty", "dir/link"), entries.stream().map(TinyTarReader.Entry::name)
                .toList());
        assertEquals('5', entries.get(0).type());
        assertEquals(0755, entries.get(0).mode());
        assertEquals(1_700_000_000L, entries.get(0).mtime());
        assertArrayEquals(content, entries.get(1).content());
        assertEquals(0640, entries.get(1).mode());
        assertEquals(0, entries.get(2).size());
        assertEquals('2', entries.get(3).type());
        assertEquals("a.txt", entries.get(3).linkName());
    }

    @Test
    void longNamesUseThePrefixField() throws IOException {
        String dir = "d".repeat(90) + "/" + "e".repeat(60);
        String name = dir + "/" + "f".repeat(99);
        assertEquals(251, name.length());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (UstarWriter tar = new UstarWriter(bytes)) {
            tar.file(name, 0644, 0, 1, new ByteArrayInputStream(new byte[] {42}));
        }
        byte[] header = bytes.toByteArray();
        assertEquals(dir, new String(header, 345, 151, StandardCharsets.UTF_8));
        assertEquals(name, TinyTarReader.read(bytes.toByteArray()).get(0).name());
    }

    @Test
    void namesThatCannotBeSplitAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> UstarWriter.header("dir/" + "f".repeat(101), 0644, 0, 0, '0', ""));
        assertTrue(e.getMessage().startsWith("Path too long for a ustar archive (105 bytes"), e::getMessage);
        assertThrows(IllegalArgumentException.class, () -> UstarWriter.header("p".repeat(156) + "/f", 0644, 0, 0, '0', ""));
        assertThrows(IllegalArgumentException.class, () -> UstarWriter.header("link", 0777, 0, 0, '2', "t".repeat(101)));
    }

    @Test
    void hugeSizesUseBase256() {
        long size = 10L * 1024 * 1024 * 1024;
        byte[] h = UstarWriter.header("huge.bin", 0644, size, 0, '0', "");
        assertEquals((byte) 0x80, h[124]);
        long decoded = 0;
        for (int i = 125; i < 136; i++) {
            decoded = (decoded << 8) | (h[i] & 0xff);
        }
        assertEquals(size, decoded);
        byte[] small = UstarWriter.header("small.bin", 0644, 077777777777L, 0, '0', "");
        assertEquals("77777777777", new String(small, 124, 11, StandardCharsets.US_ASCII));
    }

    @Test
    void aFileThatShrinksFailsAndOneThatGrowsIsCutAtItsSize() throws IOException {
        UstarWriter tar = new UstarWriter(new ByteArrayOutputStream());
        IOException e = assertThrows(IOException.class,
                () -> tar.file("f", 0644, 0, 10, new ByteArrayInputStream(new byte[4])));
        assertTrue(e.getMessage().contains("f shrank while it was archived: 4 of 10 bytes read"), e::getMessage);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (UstarWriter grown = new UstarWriter(bytes)) {
            assertTrue(grown.file("g", 0644, 0, 3, new ByteArrayInputStream(new byte[] {1, 2, 3, 4, 5})));
        }
        assertArrayEquals(new byte[] {1, 2, 3}, TinyTarReader.read(bytes.toByteArray()).get(0).content());
    }
}
