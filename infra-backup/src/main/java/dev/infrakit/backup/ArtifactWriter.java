package dev.infrakit.backup;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Where a {@link BackupSource} writes the files of one backup. Each stream is written to a
 * temporary name, hashed (SHA-256) and counted while it is written; closing it makes it an
 * artifact of the backup (published with the backup, atomically, by the repository).
 */
public interface ArtifactWriter {

    /**
     * A new artifact named {@code name} (a plain file name, see {@link Artifact#requireName}).
     *
     * @throws IOException if it cannot be created (full disk, I/O error)
     * @throws IllegalArgumentException if the name is not valid or already used in this backup
     */
    OutputStream open(String name) throws IOException;
}
