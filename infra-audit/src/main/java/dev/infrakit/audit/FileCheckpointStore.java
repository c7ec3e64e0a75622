package dev.infrakit.audit;

import dev.infrakit.core.io.DurableFiles;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Checkpoints appended to one file, a line each, synced per checkpoint. A torn last line (a crash
 * while appending) is ignored when reading and cut off before the next append.
 */
final class FileCheckpointStore implements CheckpointStore {
    private final Path file;

    FileCheckpointStore(Path file) {
        this.file = file.toAbsolutePath();
    }

    @Override
    public synchronized void store(String checkpoint) {
        if (checkpoint.indexOf('\n') >= 0 || checkpoint.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("A checkpoint is one line of compact JWS");
        }
        try {
            boolean created = !Files.exists(file);
            if (created) {
                DurableFiles.createOwnerOnlyDirectories(file.getParent());
            }
            try (FileChannel out = FileChannel.open(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE), DurableFiles.ownerOnly(file.getParent(), false))) {
                DurableFiles.restrictToOwner(file, false);
                long end = ChainedLog.completeLength(out);
                if (end < out.size()) {
                    out.truncate(end);
                }
                ByteBuffer line = ByteBuffer.wrap((checkpoint + "\n").getBytes(StandardCharsets.US_ASCII));
                long at = end;
                while (line.hasRemaining()) {
                    at += out.write(line, at);
                }
                out.force(false);
            }
            if (created) {
                DurableFiles.syncDirectory(file.getParent());
            }
        } catch (IOException e) {
            throw new AuditException("Could not store an audit checkpoint in " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public List<String> load() {
        List<String> checkpoints = new ArrayList<>();
        String text;
        try {
            text = Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            return checkpoints;
        } catch (IOException e) {
            throw new AuditException("Could not read the audit checkpoints in " + file + ": " + e.getMessage(), e);
        }
        int start = 0;
        for (int nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
            if (nl > start) {
                checkpoints.add(text.substring(start, nl));
            }
            start = nl + 1;
        }
        return checkpoints;
    }

    @Override
    public String name() {
        return "file:" + file;
    }

    @Override
    public String toString() {
        return "CheckpointStore[" + name() + "]";
    }
}
