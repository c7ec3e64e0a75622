package dev.infrakit.examples;

import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;

/**
 * {@code loadtest}'s measured requests on Jetty's asynchronous HTTP/1.1 client: at most {@code connections}
 * keep-alive connections to the service, opened as they are needed; a request due while all are busy waits in
 * the client's queue (its latency still counts from when it was due: {@link LoadRun}). The queue holds up to
 * {@code maxInFlight} requests, so {@link LoadRun}'s own bound is the one that refuses.
 *
 * <p>Why not {@code java.net.http.HttpClient} (the setup's client): it opens one connection per concurrent
 * request and hands every answer to a pool thread; once answers slow down (a cold server's first second),
 * hundreds of connections and threads make the load generator itself the bottleneck — at 2,000/s on two
 * cores it used more CPU than the service it measured (benchmarks/README.md).
 */
final class LoadSender implements LoadRun.Sender, AutoCloseable {
    private final HttpClient client;
    private final URI target;
    private final Duration timeout;
    private final LongFunction<String> bearer;

    private LoadSender(HttpClient client, URI target, Duration timeout, LongFunction<String> bearer) {
        this.client = client;
        this.target = target;
        this.timeout = timeout;
        this.bearer = bearer;
    }

    /**
     * Starts the client.
     *
     * @param bearer the bearer token of request {@code i}
     */
    static LoadSender start(URI target, int connections, int maxInFlight, Duration timeout,
            LongFunction<String> bearer) throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool(Math.max(8, Runtime.getRuntime().availableProcessors() * 2), 2);
        threads.setName("loadtest-client");
        threads.setDaemon(true);
        HttpClient client = new HttpClient();
        client.setExecutor(threads);
        client.setMaxConnectionsPerDestination(connections);
        client.setMaxRequestsQueuedPerDestination(maxInFlight);
        client.setConnectTimeout(timeout.toMillis());
        client.setFollowRedirects(false);
        client.setUserAgentField(null);
        client.start();
        return new LoadSender(client, target, timeout, bearer);
    }

    @Override
    public CompletableFuture<Integer> send(long i) {
        CompletableFuture<Integer> answer = new CompletableFuture<>();
        Request request = client.newRequest(target).method(HttpMethod.GET)
                .headers(h -> h.put(HttpHeader.AUTHORIZATION, "Bearer " + bearer.apply(i)))
                .timeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
        request.send(result -> {
            if (result.isSucceeded()) {
                answer.complete(result.getResponse().getStatus());
            } else {
                answer.completeExceptionally(result.getFailure());
            }
        });
        return answer;
    }

    /** Stops the client; requests still open fail (the run has counted them already). */
    @Override
    public void close() {
        try {
            client.stop();
        } catch (Exception e) {
            throw new IllegalStateException("loadtest: stopping the HTTP client failed", e);
        }
    }
}
