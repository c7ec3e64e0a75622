package dev.infrakit.backup;

/** A label for a backup (how it was scheduled). Retention never looks at it: it goes by time. */
public enum BackupKind {
    /** Taken by an hourly schedule. */
    HOURLY,
    /** Taken by a daily schedule. */
    DAILY,
    /** Taken by a weekly schedule. */
    WEEKLY,
    /** Taken by a monthly schedule. */
    MONTHLY,
    /** Taken on demand. */
    MANUAL
}
