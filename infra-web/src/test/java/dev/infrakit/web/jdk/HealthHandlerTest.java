package dev.infrakit.web.jdk;

import dev.infrakit.core.health.HealthCheck;
import dev.infrakit.core.health.HealthRegistry;
import dev.infrakit.core.health.HealthResult;
import dev.infrakit.core.health.HealthStatus;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HealthHandlerTest {
    private final AtomicReference<HealthStatus> db = new AtomicReference<>(HealthStatus.UP);
    private HealthRegistry registry;
    private HttpServer server;
    private final HttpClient client = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        registry = HealthRegistry.builder().build();
        registry.register(HealthCheck.of("db", () -> HealthResult.of(db.get(), db.get() == HealthStatus.UP ? null : "db " + db.get())
                .build()).groups(HealthCheck.READINESS).build());
        registry.register(HealthCheck.of("heap", () -> HealthResult.up().build()).groups(HealthCheck.LIVENESS).build());
        registry.register(HealthCheck.of("queue", () -> HealthResult.up().build()).groups("batch").build());
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/health", HealthHandler.of(registry));
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
        registry.close();
    }

    private HttpResponse<String> request(String method, String path) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
        return client.send(HttpRequest.newBuilder(uri).method(method, HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesEveryCheckAndEachGroup() throws Exception {
        HttpResponse<String> all = request("GET", "/health");
        assertEquals(200, all.statusCode());
        assertEquals("application/health+json", all.headers().firstValue("Content-Type").orElseThrow());
        assertEquals("no-store", all.headers().firstValue("Cache-Control").orElseThrow());
        assertTrue(all.body().contains("\"db\"") && all.body().contains("\"heap\"") && all.body().contains("\"queue\""));

        HttpResponse<String> live = request("GET", "/health/live");
        assertTrue(live.body().contains("\"heap\"") && !live.body().contains("\"db\""), live.body());
        HttpResponse<String> ready = request("GET", "/health/ready/");
        assertTrue(ready.body().contains("\"db\"") && !ready.body().contains("\"heap\""), ready.body());
        HttpResponse<String> batch = request("GET", "/health/batch");
        assertEquals(200, batch.statusCode());
        assertTrue(batch.body().contains("\"queue\""), batch.body());
    }

    @Test
    void downAnswers503AndDegraded200() throws Exception {
        db.set(HealthStatus.DOWN);
        HttpResponse<String> ready = request("GET", "/health/ready");
        assertEquals(503, ready.statusCode());
        assertTrue(ready.body().contains("\"status\":\"fail\"") && ready.body().contains("db DOWN"), ready.body());
        assertEquals(200, request("GET", "/health/live").statusCode(), "liveness does not depend on the database");
        db.set(HealthStatus.DEGRADED);
        HttpResponse<String> degraded = request("GET", "/health");
        assertEquals(200, degraded.statusCode());
        assertTrue(degraded.body().startsWith("{\"status\":\"warn\""), degraded.body());
    }

    @Test
    void unknownGroupsMethodsAndHead() throws Exception {
        assertEquals(404, request("GET", "/health/nope").statusCode());
        assertEquals(404, request("GET", "/health/ready/extra").statusCode());
        HttpResponse<String> post = request("POST", "/health");
        assertEquals(405, post.statusCode());
        assertEquals("GET, HEAD", post.headers().firstValue("Allow").orElseThrow());
        HttpResponse<String> head = request("HEAD", "/health");
        assertEquals(200, head.statusCode());
        assertEquals("", head.body());
    }

    @Test
    void aFailingRegistryAnswers500() throws Exception {
        registry.close();
        HttpResponse<String> response = request("GET", "/health");
        assertEquals(500, response.statusCode());
        assertEquals("application/problem+json", response.headers().firstValue("Content-Type").orElseThrow());
        assertTrue(response.body().contains("\"detail\":\"The health checks could not be run; see the server log.\""),
                response.body());
    }
}
