package dev.infrakit.audit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The file checkpoint store after a crash in the middle of an append, and against hostile input. */
class FileCheckpointStoreIT {

    @Test
    void aTornLastLineIsIgnoredAndCutBeforeTheNextAppend(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("deep").resolve("checkpoints");
        CheckpointStore store = CheckpointStore.file(file);
        assertTrue(store.load().isEmpty(), "a missing file holds no checkpoints");
        store.store("aaa.bbb.ccc");
        Files.writeString(file, "ddd.eee", StandardCharsets.US_ASCII, StandardOpenOption.APPEND); // a crash mid-append
        assertEquals(List.of("aaa.bbb.ccc"), store.load());
        store.store("fff.ggg.hhh");
        assertEquals(List.of("aaa.bbb.ccc", "fff.ggg.hhh"), store.load());
        assertEquals("aaa.bbb.ccc\nfff.ggg.hhh\n", Files.readString(file, StandardCharsets.US_ASCII));
        FileIntegrityIT.assertOwnerOnly(file, false);
        FileIntegrityIT.assertOwnerOnly(file.getParent(), true);
    }

    @Test
    void aCheckpointCannotForgeALine(@TempDir Path dir) {
        CheckpointStore store = CheckpointStore.file(dir.resolve("checkpoints"));
        assertThrows(IllegalArgumentException.class, () -> store.store("a.b.c\nx.y.z"));
        assertThrows(IllegalArgumentException.class, () -> store.store("a.b.c\rx.y.z"));
        assertTrue(store.load().isEmpty());
    }
}
