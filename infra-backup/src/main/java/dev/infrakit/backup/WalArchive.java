package dev.infrakit.backup;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Where a repository keeps archived WAL, beside its backups (see
 * {@link BackupRepository#walArchive()}): completed segments, the last partial segment of a
 * timeline, timeline history files and backup history files, each under PostgreSQL's own file name.
 *
 * <p>The contract: {@link #put} stores a file whole or not at all (a reader never sees part of
 * one); storing the same content again under the same name is a no-op, and different content under
 * the name of a completed segment is refused (a second server writing into the same archive, or
 * corruption), while a {@code .partial} segment may be replaced by a longer one. Names that are
 * not WAL file names are refused with {@link IllegalArgumentException}. Thread-safe.
 */
public interface WalArchive {
    /** PostgreSQL's WAL file names: segments, partial segments, timeline and backup history files. */
    Pattern NAME = Pattern.compile("[0-9A-F]{24}(\\.partial)?|[0-9A-F]{8}\\.history|[0-9A-F]{24}\\.[0-9A-F]{8}\\.backup");

    /**
     * Checks a WAL file name.
     *
     * @throws IllegalArgumentException if it is not one
     */
    static String requireName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("Not a WAL file name: '" + name + "' (a 24-digit segment, with "
                    + ".partial, a timeline's .history or a .backup file)");
        }
        return name;
    }

    /**
     * Stores {@code file} as {@code name}, durably and atomically.
     *
     * @return the stored segment's name, size and SHA-256
     * @throws IllegalArgumentException if {@code name} is not a WAL file name
     * @throws BackupException if a completed segment of that name with other content is already stored
     * @throws IOException if it cannot be read or stored
     */
    WalSegment put(String name, Path file) throws IOException;

    /** Every stored file, ordered by name (so segments by timeline and position). */
    List<WalSegment> list() throws IOException;

    /**
     * Reads a stored file.
     *
     * @throws BackupException if there is none of that name
     */
    InputStream open(String name) throws IOException;

    /**
     * Deletes a stored file (retention); deleting one that is not there does nothing.
     */
    void delete(String name) throws IOException;

    /**
     * A stored WAL file: its name, size (-1 when only reading it would tell, as for an encrypted
     * archive's listing) and SHA-256 (lower-case hex, empty when the store does not keep it).
     */
    record WalSegment(String name, long size, String sha256) {
    }
}
