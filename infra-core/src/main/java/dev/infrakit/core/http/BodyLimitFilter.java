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
 */
public final class BodyLimitFilter extends Filter {
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
                tooLarge(exchange);
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
                    tooLarge(exchange);
                    return;
                }
            }
        }
        exchange.setStreams(new ByteArrayInputStream(body.toByteArray()), null);
        chain.doFilter(exchange);
    }

    private void tooLarge(HttpExchange exchange) throws IOException {
        Problem.of(413, "Payload Too Large", "The request body is larger than " + maxBytes + " bytes.").send(exchange);
    }

    @Override
    public String description() {
        return "Infrakit request body limit (" + maxBytes + " bytes)";
    }
}
