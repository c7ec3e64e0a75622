package dev.infrakit.web;

import java.io.IOException;

/**
 * Thrown by a stream from {@link BodyLimit#limit(java.io.InputStream)} when a request body turns
 * out to be longer than the limit. An {@link IOException}, since it is thrown where reading
 * throws; code that reads a body sees it as a failed read. The message holds the limit, never body
 * content.
 */
public final class BodyTooLargeException extends IOException {
    private static final long serialVersionUID = 1L;

    private final long maxBytes;

    BodyTooLargeException(long maxBytes) {
        super("The request body is larger than " + maxBytes + " bytes");
        this.maxBytes = maxBytes;
    }

    /** The limit that was exceeded, in bytes. */
    public long maxBytes() {
        return maxBytes;
    }
}
