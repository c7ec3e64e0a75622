package dev.infrakit.examples;

import dev.infrakit.web.SecurityHeaders;
import dev.infrakit.web.servlet.SecurityHeadersServletFilter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.Servlet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.BlockingArrayQueue;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import dev.infrakit.core.http.Problem;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.BindException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The demo's HTTP server: embedded Jetty 12 (ee10) with limits against slow and greedy clients.
 *
 * <ul>
 *   <li>A read/idle timeout ({@link Limits#readTimeout}): a connection that sends nothing for that
 *       long, in the middle of a request line, its headers or its body, is closed (a servlet blocked
 *       reading its body gets a timeout, answered 408). The selector watches waiting connections, so
 *       a stalled one holds no thread before its request is complete.</li>
 *   <li>A bounded thread pool and a bounded job queue: past {@link Limits#maxQueued} waiting jobs
 *       Jetty refuses work (the connection is closed) instead of queueing without end; a bounded
 *       accept backlog.</li>
 *   <li>At most {@link Limits#maxHeaderBytes} of request line and header fields (414 or 431).</li>
 *   <li>Every error Jetty answers itself is problem+json with the security headers
 *       ({@link ProblemErrorHandler}).</li>
 * </ul>
 *
 * <p>{@link #stop()} stops accepting, lets requests in flight finish for up to a second, then closes.
 */
final class DemoServer {
    private static final Logger LOG = LoggerFactory.getLogger(DemoServer.class);
    /** The server's limits. */
    record Limits(int port, Duration readTimeout, int maxThreads, int maxQueued, int acceptQueue, int maxHeaderBytes) {
    }

    private final Server server;
    private final ServerConnector connector;
    private final ServletContextHandler context;
    private final GracefulHandler graceful;

    DemoServer(Limits limits, SecurityHeaders headers) {
        QueuedThreadPool threads = new QueuedThreadPool(limits.maxThreads(), Math.min(8, limits.maxThreads()), 60_000,
                new BlockingArrayQueue<>(limits.maxQueued()));
        threads.setName("infrakit-demo-http");
        server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setRequestHeaderSize(limits.maxHeaderBytes());
        http.setIdleTimeout(limits.readTimeout().toMillis());
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setPort(limits.port());
        connector.setIdleTimeout(limits.readTimeout().toMillis());
        connector.setAcceptQueueSize(limits.acceptQueue());
        server.addConnector(connector);
        server.setErrorHandler(ProblemErrorHandler.server(headers, limits.maxHeaderBytes()));
        context = new ServletContextHandler("/");
        context.setErrorHandler(ProblemErrorHandler.context(headers, limits.maxHeaderBytes()));
        // REQUEST and ERROR: every answer carries the security headers.
        filter("/*", SecurityHeadersServletFilter.of(headers), SecurityHeadersServletFilter.DISPATCHER_TYPES);
        // Any path no servlet takes, with any method (invented ones too): 404 problem+json.
        servlet("/", new NotFound());
        graceful = new GracefulHandler(context);
        server.setHandler(graceful);
    }

    /** Maps {@code filter} (async-supported) at {@code pathSpec} for {@code dispatches}, after those mapped before. */
    DemoServer filter(String pathSpec, Filter filter, EnumSet<DispatcherType> dispatches) {
        FilterHolder holder = new FilterHolder(filter);
        holder.setAsyncSupported(true);
        context.addFilter(holder, pathSpec, dispatches);
        return this;
    }

    /** Maps {@code servlet} (async-supported) at {@code pathSpec}. */
    DemoServer servlet(String pathSpec, Servlet servlet) {
        ServletHolder holder = new ServletHolder(servlet);
        holder.setAsyncSupported(true);
        context.addServlet(holder, pathSpec);
        return this;
    }

    /**
     * Starts listening.
     *
     * @throws IllegalStateException naming the port if it is in use
     */
    void start() throws IOException {
        try {
            server.start();
        } catch (IOException e) {
            stopQuietly();
            if (e instanceof BindException || e.getCause() instanceof BindException) {
                throw new IllegalStateException("port " + connector.getPort() + " is in use");
            }
            throw e;
        } catch (Exception e) {
            stopQuietly();
            throw new IllegalStateException("The HTTP server did not start: " + e.getMessage(), e);
        }
    }

    int port() {
        return connector.getLocalPort();
    }

    /**
     * Stops accepting connections, gives requests in flight a second (a request arriving meanwhile
     * on an open connection is answered 503), then closes every connection, idle keep-alive ones
     * included (waiting for those would wait for the clients).
     */
    void stop() {
        try {
            connector.close();
            graceful.shutdown().get(1, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            LOG.warn("Requests still running after 1 s are cut off");
        } catch (ExecutionException e) {
            LOG.warn("Waiting for requests in flight failed: {}", e.getCause().toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            server.stop();
        } catch (Exception e) {
            LOG.warn("Stopping the HTTP server failed: {}", e.toString());
        }
    }

    private void stopQuietly() {
        try {
            server.stop();
        } catch (Exception e) {
            LOG.debug("Stopping after a failed start", e);
        }
    }

    /** The default servlet: whatever no other servlet takes is 404 problem+json, for any method. */
    private static final class NotFound extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
            ApiServlet.send(response, Problem.of(404, "Not Found", "No such endpoint."), Map.of());
        }
    }
}
