package dev.infrakit.backup;

/** Where a backup stands. Only VERIFIED backups count for retention and freshness. */
public enum BackupStatus {
    /** Being written. */
    RUNNING,
    /** Written and published; not yet read back. */
    COMPLETE,
    /** Read back after writing and every checksum matched. */
    VERIFIED,
    /** Failed; the manifest says why. Its artifacts never count. */
    FAILED
}
