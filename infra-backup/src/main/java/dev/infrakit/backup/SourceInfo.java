package dev.infrakit.backup;

import java.util.Map;
import java.util.Objects;

/**
 * What a {@link BackupSource} reports about a backup it wrote: the dump tool's and the server's
 * versions, and the row count of every table, taken in the dump's own snapshot.
 */
public final class SourceInfo {
    private final String toolVersion;
    private final String serverVersion;
    private final Map<String, Long> rowCounts;

    /**
     * @param toolVersion e.g. {@code pg_dump (PostgreSQL) 15.8}, or {@code null}
     * @param serverVersion e.g. {@code 15.8}, or {@code null}
     * @param rowCounts rows per table ({@code schema.table}); empty for a directory source
     */
    public SourceInfo(String toolVersion, String serverVersion, Map<String, Long> rowCounts) {
        this.toolVersion = toolVersion;
        this.serverVersion = serverVersion;
        this.rowCounts = Map.copyOf(Objects.requireNonNull(rowCounts, "rowCounts"));
    }

    /** The dump tool's version, if any. */
    public String toolVersion() {
        return toolVersion;
    }

    /** The server's version, if any. */
    public String serverVersion() {
        return serverVersion;
    }

    /** Rows per table, as seen by the dump. */
    public Map<String, Long> rowCounts() {
        return rowCounts;
    }
}
