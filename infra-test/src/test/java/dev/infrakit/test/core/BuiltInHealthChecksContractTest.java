package dev.infrakit.test.core;

import dev.infrakit.core.health.*;

import com.sun.net.httpserver.HttpServer;
import dev.infrakit.test.contract.HealthCheckContract;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/** {@link HealthCheckContract} for every built-in check that needs no server of its own. */
class BuiltInHealthChecksContractTest {
    @TempDir
    Path temp;

    /** Thresholds that cannot be crossed (healthy) or are always crossed (unhealthy). */
    @Nested
    class DiskSpace extends HealthCheckContract {
        @Override
        protected HealthCheck createHealthyCheck() {
            return DiskSpaceHealthCheck.builder(temp).degradedBelow(0).downBelow(0).build();
        }

        @Override
        protected HealthCheck createUnhealthyCheck() {
            return DiskSpaceHealthCheck.builder(temp).degradedBelow(1).downBelow(1).build();
        }
    }

    @Nested
    class Heap extends HealthCheckContract {
        @Override
        protected HealthCheck createHealthyCheck() {
            return MemoryHealthCheck.heap().degradedAbove(1).downAbove(1).build();
        }

        @Override
        protected HealthCheck createUnhealthyCheck() {
            return MemoryHealthCheck.heap().degradedAbove(0).downAbove(0).build();
        }
    }

    @Nested
    class SystemMemory extends HealthCheckContract {
        @Override
        protected HealthCheck createHealthyCheck() {
            return MemoryHealthCheck.system().degradedAbove(1).downAbove(1).build();
        }

        @Override
        protected HealthCheck createUnhealthyCheck() {
            return MemoryHealthCheck.system().degradedAbove(0).downAbove(0).build();
        }
    }

    /** Against a local HTTP server answering 200 on /ok and 503 on /down. */
    @Nested
    class HttpProbe extends HealthCheckContract {
        private HttpServer server;

        @BeforeEach
        void start() throws Exception {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/", exchange -> {
                int code = exchange.getRequestURI().getPath().equals("/ok") ? 200 : 503;
                exchange.sendResponseHeaders(code, -1);
                exchange.close();
            });
            server.start();
        }

        @AfterEach
        void stop() {
            server.stop(0);
        }

        private URI uri(String path) {
            return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
        }

        @Override
        protected HealthCheck createHealthyCheck() {
            return HttpProbeHealthCheck.builder(uri("/ok")).requestTimeout(Duration.ofSeconds(5)).build();
        }

        @Override
        protected HealthCheck createUnhealthyCheck() {
            return HttpProbeHealthCheck.builder(uri("/down")).requestTimeout(Duration.ofSeconds(5)).build();
        }
    }
}
