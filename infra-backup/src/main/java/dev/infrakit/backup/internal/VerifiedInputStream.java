package dev.infrakit.backup.internal;

import dev.infrakit.backup.BackupException;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Set;

/**
 * Hashes what is read through it and, at its end, checks the SHA-256 against the one stored when
 * it was written: a file altered or truncated at rest fails on the read that reaches its end,
 * before a reader that consumes it whole (a copy, a restore) can use it.
 */
public final class VerifiedInputStream extends FilterInputStream {
    private final HashingInputStream hashing;
    private final Set<String> expected;
    private final String what;
    private boolean checked;

    /**
     * @param in the stream to read
     * @param expected the SHA-256 values (lower-case hex) the whole content may have: one, or two
     *     while a replacement is being published
     * @param what the file, as the failure names it
     */
    public VerifiedInputStream(InputStream in, Set<String> expected, String what) {
        this(new HashingInputStream(in), expected, what);
    }

    private VerifiedInputStream(HashingInputStream hashing, Set<String> expected, String what) {
        super(hashing);
        this.hashing = hashing;
        this.expected = Set.copyOf(expected);
        this.what = what;
    }

    @Override
    public int read() throws IOException {
        int b = in.read();
        if (b == -1) {
            check();
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n == -1) {
            check();
        }
        return n;
    }

    private void check() {
        if (checked) {
            return;
        }
        checked = true;
        String read = hashing.sha256();
        if (!expected.contains(read)) {
            throw new BackupException(what + " is corrupted: its SHA-256 is " + read + ", stored when it was written "
                    + String.join(" or ", expected.stream().sorted().toList()));
        }
    }
}
