package dev.infrakit.web;

import dev.infrakit.core.http.Problem;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The rule a request body must follow: at most {@link #maxBytes()} bytes. An adapter applies it in
 * two steps, so no body is ever read into memory to be judged:
 *
 * <ol>
 *   <li>before the handler runs, {@link #checkDeclared(List)} judges the {@code Content-Length}
 *       field: longer than the limit is a 413 problem; a value that is not one plain decimal number
 *       of bytes (negative, signed, empty, not digits, more than 18 digits, or several values) is a 400
 *       problem naming the header, since a server and a proxy reading such a length differently is
 *       how requests are smuggled;</li>
 *   <li>the handler reads the body through {@link #limit(InputStream)}, which counts and throws
 *       {@link BodyTooLargeException} as soon as the body turns out longer than the limit (a
 *       chunked body, or one longer than declared); the adapter then answers {@link #tooLarge()}.</li>
 * </ol>
 *
 * <p>Immutable and thread-safe.
 */
public final class BodyLimit {
    /** The largest number of digits a {@code Content-Length} may have (fits a {@code long}). */
    private static final int MAX_DIGITS = 18;

    private final long maxBytes;

    private BodyLimit(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /**
     * Bodies of at most {@code maxBytes}.
     *
     * @throws IllegalArgumentException naming the value if {@code maxBytes} is below 1
     */
    public static BodyLimit of(long maxBytes) {
        if (maxBytes < 1) {
            throw new IllegalArgumentException("maxBytes must be at least 1, got " + maxBytes);
        }
        return new BodyLimit(maxBytes);
    }

    /** The most bytes a body may have. */
    public long maxBytes() {
        return maxBytes;
    }

    /**
     * Judges the request's {@code Content-Length} field values (every field line, as received; an
     * empty list when there is none).
     *
     * @return the problem to answer (413 when the declared length exceeds the limit, 400 when the
     *     field is malformed), or empty when the body may be read through {@link #limit}
     * @throws NullPointerException if {@code values} or one of them is null
     */
    public Optional<Problem> checkDeclared(List<String> values) {
        Objects.requireNonNull(values, "values");
        if (values.isEmpty()) {
            return Optional.empty();
        }
        if (values.size() > 1 || values.get(0).indexOf(',') >= 0) {
            return Optional.of(badLength("Content-Length must be given once, with one value."));
        }
        String value = values.get(0).strip();
        if (value.isEmpty() || value.length() > MAX_DIGITS) {
            return Optional.of(badLength("Content-Length must be a decimal number of bytes of 1 to " + MAX_DIGITS
                    + " digits."));
        }
        long length = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return Optional.of(badLength("Content-Length must be a non-negative decimal number of bytes, "
                        + "digits only."));
            }
            length = length * 10 + (c - '0');
        }
        return length > maxBytes ? Optional.of(tooLarge()) : Optional.empty();
    }

    /**
     * {@code body}, counted: reading past {@link #maxBytes()} throws {@link BodyTooLargeException}
     * (and so does every read after that). At most one byte beyond the limit is read from
     * {@code body}, however much the client sends. Not thread-safe, like any stream.
     *
     * @throws NullPointerException if {@code body} is null
     */
    public InputStream limit(InputStream body) {
        return new Counted(Objects.requireNonNull(body, "body"), maxBytes);
    }

    /** The 413 answer to a body over the limit. */
    public Problem tooLarge() {
        return Problem.of(413, "Content Too Large", "The request body is larger than " + maxBytes + " bytes.");
    }

    private static Problem badLength(String detail) {
        return Problem.of(400, "Bad Request", detail);
    }

    @Override
    public String toString() {
        return "BodyLimit[" + maxBytes + " bytes]";
    }

    /** Counts what is read; reads at most one byte past the limit, then throws. */
    private static final class Counted extends FilterInputStream {
        private final long maxBytes;
        private long count;
        private boolean exceeded;

        Counted(InputStream in, long maxBytes) {
            super(in);
            this.maxBytes = maxBytes;
        }

        @Override
        public int read() throws IOException {
            refuseIfExceeded();
            int b = in.read();
            if (b >= 0) {
                counted(1);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            refuseIfExceeded();
            if (len == 0) {
                return 0;
            }
            // Never ask for more than one byte past the limit: that byte proves the overflow.
            long room = maxBytes - count + 1;
            int n = in.read(b, off, (int) Math.min(len, room));
            if (n > 0) {
                counted(n);
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            refuseIfExceeded();
            long skipped = in.skip(Math.min(n, maxBytes - count + 1));
            if (skipped > 0) {
                counted(skipped);
            }
            return skipped;
        }

        @Override
        public boolean markSupported() {
            return false;
        }

        @Override
        public synchronized void mark(int readlimit) {
            // Not supported (markSupported is false): a reset would let the count be replayed.
        }

        @Override
        public synchronized void reset() throws IOException {
            throw new IOException("mark/reset not supported");
        }

        private void counted(long n) throws BodyTooLargeException {
            count += n;
            if (count > maxBytes) {
                exceeded = true;
                throw new BodyTooLargeException(maxBytes);
            }
        }

        private void refuseIfExceeded() throws BodyTooLargeException {
            if (exceeded) {
                throw new BodyTooLargeException(maxBytes);
            }
        }
    }
}
