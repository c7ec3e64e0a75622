package dev.infrakit.web.jdk;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import dev.infrakit.core.http.Problem;
import dev.infrakit.web.BodyLimit;
import dev.infrakit.web.BodyTooLargeException;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;

/**
 * Applies a {@link BodyLimit} to the requests of a JDK {@code HttpServer} context: a
 * {@code Content-Length} over the limit is answered 413 and a malformed one 400 naming the header
 * ({@link BodyLimit#checkDeclared}), before any handler runs; any other body is read here through
 * {@link BodyLimit#limit} (a chunked body, or one longer than declared, is 413 as soon as it passes
 * the limit) and handed to the handler from memory, so a handler never sees a body over the limit.
 * That is why the limit is at most 64 MiB.
 *
 * <p>Before answering 413 the filter reads and discards what the client is still sending, up to
 * {@value #DRAIN_BYTES} bytes, and closes the connection after the answer: closing a socket with
 * unread request bytes makes the kernel reset the connection, and a client still sending would then
 * see "connection reset" instead of the 413. A body declared larger than that is not drained (the
 * client may then see the reset; reading megabytes to be polite would be a denial-of-service lever).
 *
 * <p>Immutable and thread-safe.
 */
public final class BodyLimitFilter extends Filter {
    /** How much of a refused body is read and discarded before the 413 (1 MiB). */
    public static final int DRAIN_BYTES = 1 << 20;

    private final BodyLimit limit;

    private BodyLimitFilter(BodyLimit limit) {
        this.limit = limit;
    }

    /**
     * A filter refusing bodies over {@code maxBytes}.
     *
     * @throws IllegalArgumentException naming the value if {@code maxBytes} is below 1 or above 64 MiB
     */
    public static BodyLimitFilter of(int maxBytes) {
        if (maxBytes < 1 || maxBytes > 64 * 1024 * 1024) {
            throw new IllegalArgumentException("maxBytes must be 1 to 64 MiB, got " + maxBytes);
        }
        return new BodyLimitFilter(BodyLimit.of(maxBytes));
    }

    /** The limit applied. */
    public BodyLimit limit() {
        return limit;
    }

    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        List<String> declared = exchange.getRequestHeaders().get("Content-Length");
        Optional<Problem> refused = limit.checkDeclared(declared == null ? List.of() : declared);
        if (refused.isPresent()) {
            long length = refused.get().status() == 413 ? Long.parseLong(declared.get(0).strip()) : Long.MAX_VALUE;
            refuse(exchange, refused.get(), length - limit.maxBytes() <= DRAIN_BYTES ? exchange.getRequestBody() : null);
            return;
        }
        byte[] body;
        InputStream in = exchange.getRequestBody();
        try {
            body = limit.limit(in).readAllBytes();
        } catch (BodyTooLargeException e) {
            // Drain before the stream is closed: its close would otherwise cut the client off.
            refuse(exchange, limit.tooLarge(), in);
            return;
        }
        in.close();
        exchange.setStreams(new ByteArrayInputStream(body), null);
        chain.doFilter(exchange);
    }

    private static void refuse(HttpExchange exchange, Problem problem, InputStream unread) throws IOException {
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
        Exchanges.send(exchange, problem);
    }

    @Override
    public String description() {
        return "Infrakit request body limit (" + limit.maxBytes() + " bytes)";
    }
}
