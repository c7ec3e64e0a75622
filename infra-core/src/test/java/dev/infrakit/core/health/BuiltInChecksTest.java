package dev.infrakit.core.health;

import com.sun.net.httpserver.HttpServer;
import dev.infrakit.core.Config;
import dev.infrakit.core.ConfigException;
import dev.infrakit.core.ProviderException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BuiltInChecksTest {
    private static final long GIB = 1024L * 1024 * 1024;

    private static HealthResult disk(long usable, long total) throws Exception {
        return DiskSpaceHealthCheck.builder(Path.of("/data")).reader(p -> new long[] {usable, total}).build().check();
    }

    @Test
    void diskSpaceThresholds() throws Exception {
        HealthResult up = disk(50 * GIB, 100 * GIB);
        assertEquals(HealthStatus.UP, up.status());
        assertEquals(50.0, up.observedValue().orElseThrow());
        assertEquals("%", up.observedUnit().orElseThrow());
        assertEquals(50 * GIB, up.details().get("freeBytes"));
        HealthResult degraded = disk(9 * GIB, 100 * GIB);
        assertEquals(HealthStatus.DEGRADED, degraded.status());
        assertEquals("only 9.0% free on /data", degraded.output().orElseThrow());
        assertEquals(HealthStatus.DOWN, disk(1 * GIB, 100 * GIB).status());
        assertEquals(HealthStatus.DOWN, DiskSpaceHealthCheck.builder(Path.of("/data")).downBelowBytes(60 * GIB)
                .reader(p -> new long[] {50 * GIB, 100 * GIB}).build().check().status(), "absolute minimum");
        assertThrows(IllegalArgumentException.class,
                () -> DiskSpaceHealthCheck.builder(Path.of("/")).degradedBelow(0.05).downBelow(0.10).build());
        assertThrows(IllegalArgumentException.class, () -> DiskSpaceHealthCheck.builder(Path.of("/")).degradedBelow(1.5));
    }

    @Test
    void diskSpaceOfARealFileSystem(@TempDir Path dir) throws Exception {
        DiskSpaceHealthCheck check = DiskSpaceHealthCheck.builder(dir).build();
        assertEquals("disk:" + dir, check.name());
        assertEquals(java.util.Set.of(HealthCheck.READINESS), check.groups());
        HealthResult result = check.check();
        assertTrue((long) result.details().get("totalBytes") > 0, result.toString());
    }

    @Test
    void memoryThresholds() throws Exception {
        MemoryHealthCheck.Builder heap = MemoryHealthCheck.heap();
        assertEquals(HealthStatus.UP, heap.reader(() -> new long[] {50, 100}).build().check().status());
        HealthResult degraded = MemoryHealthCheck.heap().reader(() -> new long[] {91, 100}).build().check();
        assertEquals(HealthStatus.DEGRADED, degraded.status());
        assertEquals("heap 91.0% used", degraded.output().orElseThrow());
        assertEquals(HealthStatus.DOWN, MemoryHealthCheck.system().downAbove(0.95).reader(() -> new long[] {96, 100})
                .build().check().status());
        assertThrows(IllegalArgumentException.class,
                () -> MemoryHealthCheck.heap().degradedAbove(0.99).downAbove(0.95).build());
    }

    @Test
    void realMemoryReadingsAreSane() throws Exception {
        long[] heap = MemoryHealthCheck.heapAfterGc();
        assertTrue(heap[0] > 0 && heap[1] >= heap[0], heap[0] + " of " + heap[1]);
        long[] system = MemoryHealthCheck.systemMemory();
        assertTrue(system[0] > 0 && system[1] > system[0], system[0] + " of " + system[1]);
        HealthResult result = MemoryHealthCheck.system().build().check();
        assertNotEquals(null, result.observedValue().orElse(null));
        assertEquals(java.util.Set.of(HealthCheck.LIVENESS), MemoryHealthCheck.heap().build().groups());
    }

    @Test
    void httpProbe() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        CountDownLatch hang = new CountDownLatch(1);
        server.createContext("/ok", x -> {
            x.sendResponseHeaders(204, -1);
            x.close();
        });
        server.createContext("/broken", x -> {
            x.sendResponseHeaders(500, -1);
            x.close();
        });
        server.createContext("/hang", x -> {
            try {
                hang.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            x.sendResponseHeaders(200, -1);
            x.close();
        });
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
        String base = "http://127.0.0.1:" + server.getAddress().getPort();
        try {
            HttpProbeHealthCheck ok = HttpProbeHealthCheck.builder(URI.create(base + "/ok?token=s3cret")).build();
            assertEquals("http:127.0.0.1:" + server.getAddress().getPort(), ok.name());
            HealthResult up = ok.check();
            assertEquals(HealthStatus.UP, up.status());
            assertEquals(204, up.details().get("httpStatus"));
            assertEquals("ms", up.observedUnit().orElseThrow());
            assertFalse(up.details().toString().contains("s3cret"), up.details().toString());

            HealthResult down = HttpProbeHealthCheck.builder(URI.create(base + "/broken")).build().check();
            assertEquals(HealthStatus.DOWN, down.status());
            assertEquals(base + "/broken answered 500, expected 200-399", down.output().orElseThrow());
            assertEquals(HealthStatus.UP, HttpProbeHealthCheck.builder(URI.create(base + "/broken")).expectStatus(500, 500)
                    .build().check().status());

            HealthResult slow = HttpProbeHealthCheck.builder(URI.create(base + "/hang?key=s3cret"))
                    .requestTimeout(Duration.ofMillis(200)).build().check();
            assertEquals(HealthStatus.DOWN, slow.status());
            assertEquals(base + "/hang did not answer within 200ms", slow.output().orElseThrow());

            HealthResult degraded = HttpProbeHealthCheck.builder(URI.create(base + "/ok"))
                    .latencyBound(Duration.ofNanos(1)).build().check();
            assertEquals(HealthStatus.DEGRADED, degraded.status());
        } finally {
            hang.countDown();
            server.stop(0);
        }
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        HealthResult refused = HttpProbeHealthCheck.builder(URI.create("http://127.0.0.1:" + closedPort + "/")).build().check();
        assertEquals(HealthStatus.DOWN, refused.status());
        assertTrue(refused.output().orElseThrow().contains("unreachable"), refused.toString());
        assertThrows(IllegalArgumentException.class, () -> HttpProbeHealthCheck.builder(URI.create("ftp://x/")));
    }

    @Test
    void providersRegisterTheBuiltInChecks(@TempDir Path dir) {
        try (HealthRegistry registry = HealthRegistry.builder().build()) {
            List<String> names = registry.registerProviders(Config.of(Map.of("infrakit.health.disk.path", dir.toString())));
            assertEquals(List.of("disk:" + dir.toAbsolutePath().normalize(), "heap", "system-memory"), names);
            assertEquals(3, registry.check().checks().size());
        }
        try (HealthRegistry registry = HealthRegistry.builder().build()) {
            assertEquals(List.of("heap"), registry.registerProviders(Config.of(Map.of("infrakit.health.checks", "heap"))));
            ProviderException unknown = assertThrows(ProviderException.class,
                    () -> registry.registerProviders(Config.of(Map.of("infrakit.health.checks", "ram"))));
            assertTrue(unknown.getMessage().contains("available: disk-space, heap, system-memory"), unknown.getMessage());
            ConfigException bad = assertThrows(ConfigException.class, () -> registry.registerProviders(Config.of(Map.of(
                    "infrakit.health.checks", "disk-space", "infrakit.health.disk.degraded-below-percent", "120"))));
            assertEquals("infrakit.health.disk.degraded-below-percent", bad.key());
        }
    }

    @Test
    void registryConfig() {
        ConfigException e = assertThrows(ConfigException.class, () -> HealthRegistry.builder()
                .config(Config.of(Map.of("infrakit.health.background-period", "10s", "infrakit.health.max-age", "5s"))));
        assertEquals("infrakit.health.max-age", e.key());
        try (HealthRegistry registry = HealthRegistry.builder().config(Config.of(Map.of("infrakit.health.timeout", "150ms",
                "infrakit.health.service-id", "svc"))).build()) {
            CountDownLatch never = new CountDownLatch(1);
            registry.register(HealthCheck.of("hung", () -> {
                never.await();
                return null;
            }).build());
            HealthReport report = registry.check();
            assertEquals("timed out after 150ms", report.checks().get("hung").output().orElseThrow());
            assertEquals("svc", report.serviceId().orElseThrow());
            never.countDown();
        }
    }
}
