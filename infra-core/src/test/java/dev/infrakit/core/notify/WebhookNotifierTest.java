package dev.infrakit.core.notify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.infrakit.core.Config;
import dev.infrakit.core.ConfigException;
import dev.infrakit.core.Providers;
import dev.infrakit.core.health.HealthCheck;
import dev.infrakit.core.health.HealthRegistry;
import dev.infrakit.core.health.HealthResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Against a real local HTTP server that plays the chat webhook. */
class WebhookNotifierTest {
    private static final String SECRET_PATH = "/services/T000/B000/hidden-webhook-token";

    private HttpServer server;
    private final Queue<Integer> statuses = new ConcurrentLinkedQueue<>();
    private final List<String> bodies = Collections.synchronizedList(new ArrayList<>());
    private URI url;

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/services", exchange -> {
            bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            Integer status = statuses.poll();
            int code = status == null ? 200 : status;
            if (code == 429) {
                exchange.getResponseHeaders().set("Retry-After", "0");
            }
            byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(code, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + SECRET_PATH);
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private WebhookNotifier notifier() {
        return WebhookNotifier.builder(url).backoff(Duration.ofMillis(1), Duration.ofMillis(5)).build();
    }

    private static Notification notification() {
        return new Notification("backup:nightly", Notification.Severity.CRITICAL, "Backup failed",
                "pg_dump exited with 1", Instant.parse("2026-11-22T03:00:00Z"), Map.of("database", "app"));
    }

    @Test
    void postsSlackCompatibleJson() throws Exception {
        notifier().send(notification());
        assertEquals(1, bodies.size());
        Map<?, ?> json = new ObjectMapper().readValue(bodies.get(0), Map.class);
        assertEquals(List.of("text"), List.copyOf(json.keySet()));
        assertEquals("[CRITICAL] Backup failed\npg_dump exited with 1\ndatabase: app\n"
                + "source: backup:nightly, time: 2026-11-22T03:00:00Z", json.get("text"));
    }

    @Test
    void retriesServerErrorsAndRateLimits() {
        statuses.add(500);
        statuses.add(429);
        notifier().send(notification());
        assertEquals(3, bodies.size());
    }

    @Test
    void givesUpAfterMaxAttemptsWithoutRevealingTheUrl() {
        for (int i = 0; i < 5; i++) {
            statuses.add(503);
        }
        NotificationException e = assertThrows(NotificationException.class, () -> notifier().send(notification()));
        assertEquals(3, bodies.size());
        assertEquals("Webhook http://127.0.0.1/… failed 3 times for 'Backup failed'; last: HTTP 503", e.getMessage());
        assertFalse(notifier().name().contains("hidden-webhook-token"));
        assertFalse(notifier().toString().contains("hidden-webhook-token"));
    }

    @Test
    void clientErrorsAreNotRetried() {
        statuses.add(404);
        NotificationException e = assertThrows(NotificationException.class, () -> notifier().send(notification()));
        assertEquals(1, bodies.size());
        assertTrue(e.getMessage().endsWith("rejected the notification 'Backup failed' with HTTP 404"), e.getMessage());
        assertFalse(e.getMessage().contains("hidden-webhook-token"));
    }

    @Test
    void aFlappingCheckDoesNotFloodTheChannel() {
        AtomicBoolean up = new AtomicBoolean(true);
        HealthRegistry registry = HealthRegistry.builder().notifier(notifier(), Duration.ofHours(1)).build();
        registry.register(HealthCheck.of("db", () -> up.get() ? HealthResult.up().build()
                : HealthResult.down("refused").build()).build());
        for (int i = 0; i < 20; i++) {
            up.set(i % 2 == 1);
            registry.check();
        }
        registry.close();
        assertEquals(1, bodies.size(), bodies.toString());
        assertTrue(bodies.get(0).contains("Health check 'db' is DOWN"), bodies.get(0));
    }

    @Test
    void providerBuildsItFromConfig() {
        Notifier fromConfig = Providers.load(NotifierProvider.class, Config.of(Map.of(
                "infrakit.notify.kind", "webhook", "infrakit.notify.webhook.url", url.toString(),
                "infrakit.notify.webhook.backoff", "1ms", "infrakit.notify.webhook.max-backoff", "2ms")));
        statuses.add(500);
        fromConfig.send(notification());
        assertEquals(2, bodies.size());
        ConfigException e = assertThrows(ConfigException.class, () -> Providers.load(NotifierProvider.class,
                Config.of(Map.of("infrakit.notify.kind", "webhook", "infrakit.notify.webhook.url", "ftp://x/hidden-webhook-token"))));
        assertEquals("infrakit.notify.webhook.url", e.key());
        assertFalse(e.getMessage().contains("hidden-webhook-token"), e.getMessage());
    }
}
