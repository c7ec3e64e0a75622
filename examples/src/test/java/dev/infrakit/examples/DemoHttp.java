package dev.infrakit.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.infrakit.testkit.EphemeralPostgres;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What the demo's end-to-end tests share: calling the service over HTTP, and a webhook receiver. */
final class DemoHttp {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private DemoHttp() {
    }

    /**
     * Calls {@code path} on the service at {@code port}.
     *
     * @param credential null (anonymous), an API key ({@code ik_…}, sent as {@code X-API-Key}) or a
     *     bearer token
     * @param body a JSON body, or null
     */
    static HttpResponse<String> call(int port, String method, String path, String credential, String body)
            throws IOException, InterruptedException {
        return call(port, method, path, credential, body, java.util.Map.of());
    }

    /** As {@link #call(int, String, String, String, String)}, with {@code headers} added. */
    static HttpResponse<String> call(int port, String method, String path, String credential, String body,
            java.util.Map<String, String> headers) throws IOException, InterruptedException {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(20));
        headers.forEach(r::header);
        if (credential != null) {
            if (credential.startsWith("ik_")) {
                r.header("X-API-Key", credential);
            } else {
                r.header("Authorization", "Bearer " + credential);
            }
        }
        if (body != null) {
            r.header("Content-Type", "application/json");
        }
        r.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return CLIENT.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * {@code requests} GETs of {@code path} sent at one moment (released together by a barrier), in
     * turn to each of {@code services}; how many got each status.
     */
    static java.util.Map<Integer, Integer> atOnce(List<DemoService> services, int requests, String path,
            String credential) throws Exception {
        java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(requests);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(requests);
        try {
            List<java.util.concurrent.Future<Integer>> statuses = new java.util.ArrayList<>();
            for (int i = 0; i < requests; i++) {
                DemoService target = services.get(i % services.size());
                statuses.add(pool.submit(() -> {
                    start.await(20, java.util.concurrent.TimeUnit.SECONDS);
                    return call(target.port(), "GET", path, credential, null).statusCode();
                }));
            }
            java.util.Map<Integer, Integer> counts = new java.util.TreeMap<>();
            for (java.util.concurrent.Future<Integer> f : statuses) {
                counts.merge(f.get(60, java.util.concurrent.TimeUnit.SECONDS), 1, Integer::sum);
            }
            return counts;
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * {@code count} services started at one moment, as replicas of a deployment start, each with the
     * arguments {@code args} gives for its index; all or none (those started are closed on failure).
     */
    static List<DemoService> startTogether(int count, java.util.function.IntFunction<List<String>> args,
            java.util.Map<String, String> env) throws Exception {
        java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(count);
        java.util.concurrent.ExecutorService starting = java.util.concurrent.Executors.newFixedThreadPool(count);
        List<DemoService> started = new java.util.ArrayList<>();
        try {
            List<java.util.concurrent.Future<DemoService>> futures = new java.util.ArrayList<>();
            for (int i = 0; i < count; i++) {
                List<String> arguments = args.apply(i);
                futures.add(starting.submit(() -> {
                    together.await(20, java.util.concurrent.TimeUnit.SECONDS);
                    return DemoService.start(ServeCommand.settings(arguments, env),
                            new java.io.PrintStream(new java.io.ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
                }));
            }
            for (java.util.concurrent.Future<DemoService> f : futures) {
                started.add(f.get(60, java.util.concurrent.TimeUnit.SECONDS));
            }
            return started;
        } catch (Exception | Error e) {
            started.forEach(DemoService::close);
            throw e;
        } finally {
            starting.shutdownNow();
        }
    }

    /** Signs in and returns the access token; fails the test unless the answer is 200. */
    static String login(int port, String user, String password) throws IOException, InterruptedException {
        HttpResponse<String> r = call(port, "POST", "/api/v1/auth/login", null, "{\"username\":\"" + user
                + "\",\"password\":\"" + password + "\"}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = JSON.readTree(r.body());
        return body.get("accessToken").asText();
    }

    /** The demo's {@code --jdbc-url} for {@code database} on {@code server}, with its user and password. */
    static String jdbcUrl(EphemeralPostgres server, String database) {
        return "jdbc:postgresql://" + server.host() + ":" + server.port() + "/" + database + "?user="
                + server.username() + "&password=" + server.password();
    }

    /** An HTTP endpoint on a free local port that keeps every body POSTed to {@code /hook}. */
    static final class WebhookReceiver implements AutoCloseable {
        final List<String> posts = new CopyOnWriteArrayList<>();
        private final HttpServer server;

        WebhookReceiver() throws IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/hook", exchange -> {
                try (InputStream in = exchange.getRequestBody()) {
                    posts.add(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                }
                exchange.sendResponseHeaders(204, -1);
                exchange.close();
            });
            server.start();
        }

        /** The URL to give {@code --alert-webhook}. */
        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
