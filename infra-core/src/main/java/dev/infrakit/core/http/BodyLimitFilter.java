package dev.infrakit.core.http;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Caps request bodies: a request whose {@code Content-Length} exceeds the limit, or whose body
 * (chunked, or longer than declared) turns out to, is answered 413 with a problem body before any
 * handler runs. The body is read here (up to the limit) and handed to the handler from memory, so a
 * handler never sees a body over the limit and never has to handle the overflow itself.
 *
 * <p>Before answering 413 the filter reads and discards what the client is still sending, up to
 * {@value #DRAIN_BYTES} bytes, and closes the connection after the answer: closing a socket with
 * unread request bytes makes the kernel reset the connection, and a client still sending would then
 * see "connection reset" instead of the 413. A body declared larger than that is not drained (the
 * client may then see the reset; reading megabytes to be polite would be a denial-of-service lever).
 */
public final class BodyLimitFilter extends Filter {
    /** How much of a refused body is read and discarded before the 413 (1 MiB). */
    public static final int DRAIN_BYTES = 1 << 20;

    private final int maxBytes;

    private BodyLimitFilter(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    /**
     * A filter refusing bodies over {@code maxBytes}.
     *
     * @throws IllegalArgumentException if {@code maxBytes} is below 1 or above 64 MiB
     */
    public static BodyLimitFilter of(int maxBytes) {
        if (maxBytes < 1 || maxBytes > 64 * 1024 * 1024) {
            throw new IllegalArgumentException("maxBytes must be 1 to 64 MiB, got " + maxBytes);
        }
        return new BodyLimitFilter(maxBytes);
    }

    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        String declared = exchange.getRequestHeaders().getFirst("Content-Length");
        if (declared != null) {
            long length;
            try {
                length = Long.parseLong(declared.trim());
            } catch (NumberFormatException e) {
                Problem.of(400, "Bad Request", "Content-Length is not a number").send(exchange);
                return;
            }
            if (length > maxBytes) {
                tooLarge(exchange, length - maxBytes <= DRAIN_BYTES ? exchange.getRequestBody() : null);
                return;
            }
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try (InputStream in = exchange.getRequestBody()) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                body.write(buffer, 0, n);
                if (body.size() > maxBytes) {
                    tooLarge(exchange, in);
                    return;
                }
            }
        }
        exchange.setStreams(new ByteArrayInputStream(body.toByteArray()), null);
        chain.doFilter(exchange);
    }

    private void tooLarge(HttpExchange exchange, InputStream unread) throws IOException {
        if (unread != null) {
            byte[] discard = new byte[8192];
            long drained = 0;
            try {
                for (int n; drained < DRAIN_BYTES && (n = unread.read(discard)) > 0;) {
                    drained += n;
                }
            } catch (IOException e) {
                // The client stopped sending: answer anyway.
            }
        }
        exchange.getResponseHeaders().set("Connection", "close");
        Problem.of(413, "Payload Too Large", "The request body is larger than " + maxBytes + " bytes.").send(exchange);
    }

    @Override
    public String description() {
        return "Infrakit request body limit (" + maxBytes + " bytes)";
    }
}
