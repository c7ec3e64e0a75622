package dev.infrakit.backup;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue "ops-hardening" item 8 in infra-backup: a local user who can name a file in a backed-up
 * directory (or the repository) chooses text that reaches the log; a CR, LF, ESC or U+2028 in it
 * must not start a forged line or drive the terminal.
 */
class BackupLogInjectionIT {
    @TempDir
    Path tmp;

    @Test
    void aFileNameWithLineBreaksAndTerminalControlsIsLoggedAsOneEscapedLine() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        Files.writeString(root.resolve("ok.txt"), "ok");
        String hostile = "x\r2026-12-06 ERROR forged line\n\u001b[2J\u2028end";
        Path fifo = root.resolve(hostile);
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertTrue(mkfifo.waitFor(10, TimeUnit.SECONDS) && mkfifo.exitValue() == 0, "mkfifo");

        List<String> warnings;
        try (Backups.LogCapture log = new Backups.LogCapture()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            DirectorySource.builder(root).name("root").build().backup(name -> out);
            warnings = log.warnings();
        }
        String skipped = warnings.stream().filter(w -> w.startsWith("Skipped")).findFirst().orElseThrow(
                () -> new AssertionError("no warning about the FIFO: " + warnings));
        for (char c : new char[] {'\r', '\n', '\u001b', '\u2028'}) {
            assertEquals(-1, skipped.indexOf(c), "raw U+" + Integer.toHexString(c) + " in: " + skipped);
        }
        assertTrue(skipped.contains("\\r2026-12-06 ERROR forged line\\n"), skipped);
        assertFalse(skipped.contains("\n"));
    }
}
