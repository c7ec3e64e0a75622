package dev.infrakit.examples;

import dev.infrakit.auth.TokenKeys;
import dev.infrakit.core.http.Problem;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * {@code GET /.well-known/jwks.json}: the public keys that verify this service's tokens (current,
 * next and those still needed), cacheable for {@code maxAge}. Public, like {@code /health}.
 */
final class JwksServlet extends ReadOnlyServlet {
    private static final long serialVersionUID = 1L;

    private final transient TokenKeys keys;
    private final Duration maxAge;

    JwksServlet(TokenKeys keys, Duration maxAge) {
        this.keys = keys;
        this.maxAge = maxAge;
    }

    @Override
    protected void read(HttpServletRequest request, HttpServletResponse response, boolean head) throws IOException {
        byte[] body;
        try {
            body = keys.jwks().getBytes(StandardCharsets.UTF_8);
        } catch (RuntimeException e) {
            LoggerFactory.getLogger(JwksServlet.class).error("GET /.well-known/jwks.json failed", e);
            ApiServlet.send(response, Problem.of(503, "Service Unavailable", "The keys cannot be read now; try again "
                    + "later."), Map.of("Retry-After", ApiServlet.RETRY_AFTER_SECONDS));
            return;
        }
        response.setHeader("Cache-Control", "public, max-age=" + maxAge.toSeconds());
        ok(response, "application/jwk-set+json", body, head);
    }
}
