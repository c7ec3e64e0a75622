package dev.infrakit.backup.internal;

import dev.infrakit.core.http.ClientText;

/**
 * Text from outside (file and directory names an attacker may choose, a lock holder read from a
 * file, a tool's stderr, an exception's message) as it may go into a log line: every control
 * character escaped, bounded ({@link ClientText#forLog}).
 */
public final class LogText {
    /** The longest text a log argument keeps. */
    static final int MAX_LENGTH = 2000;

    private LogText() {
    }

    /** {@code value} ({@code String.valueOf}) escaped for one log line. */
    public static String of(Object value) {
        return ClientText.forLog(String.valueOf(value), MAX_LENGTH);
    }
}
