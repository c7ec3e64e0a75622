package dev.infrakit.test;

import com.sun.net.httpserver.HttpServer;
import dev.infrakit.web.jdk.AuthFilter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link TestTokens} in front of an {@link AuthFilter} on a real JDK HTTP server: the filter built
 * on the tokens' verifier lets the right role through and refuses the rest, and the refused tokens
 * reach a {@link RecordingAuditSink}. No mock maker.
 */
class TestTokensAuthFilterTest {
    private final TestTokens tokens = TestTokens.create();
    private final RecordingAuditSink audit = new RecordingAuditSink();
    private final HttpClient client = HttpClient.newHttpClient();
    private HttpServer server;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/admin", exchange -> {
            String who = AuthFilter.principal(exchange).orElseThrow().subject();
            byte[] body = ("hello " + who).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }).getFilters().add(AuthFilter.builder().tokens(tokens.verifier()).auditSink(audit).require("/admin", "admin")
                .build());
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private HttpResponse<String> get(String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + server.getAddress().getHostString()
                + ":" + server.getAddress().getPort() + "/admin"));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theFilterLetsTheRightRoleThroughAndRefusesTheRest() throws Exception {
        HttpResponse<String> admin = get(tokens.issue("alice", "admin"));
        assertEquals(200, admin.statusCode());
        assertEquals("hello alice", admin.body());

        assertEquals(403, get(tokens.issue("bob", "reader")).statusCode(), "authenticated, wrong role");
        assertEquals(401, get(tokens.expired("alice", "admin")).statusCode());
        assertEquals(401, get(tokens.forged("alice", "admin")).statusCode());
        assertEquals(401, get(null).statusCode());
        assertEquals(List.of("auth.invalid-token", "auth.invalid-token"), audit.types(),
                "the expired and the forged token are audited");
    }
}
