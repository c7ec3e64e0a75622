package dev.infrakit.examples;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Anonymous budgets through HTTP: one per IPv4 address or IPv6 /64, whatever address of its /64 a
 * client presents, found by one rule (the peer, or the trusted proxy's X-Forwarded-For entry).
 */
class ClientAddressIT {
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private DemoService service;

    @AfterEach
    void stop() {
        if (service != null) {
            service.close();
        }
    }

    private void start(Path data, String... flags) throws Exception {
        List<String> args = new ArrayList<>(List.of("--port", "0", "--warm-up", "0s", "--data-dir", data.toString(), "--password-iterations",
                "1000", "--drain", "0s"));
        args.addAll(List.of(flags));
        service = DemoService.start(ServeCommand.settings(args, Map.of("INFRAKIT_ADMIN_PASSWORD", "admin-password-42")),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }

    private int status(String host, String forwardedFor) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://" + host + ":" + service.port()
                + "/api/v1/credentials"));
        if (forwardedFor != null) {
            r.header("X-Forwarded-For", forwardedFor);
        }
        return client.send(r.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void addressesOfOneSlash64ShareOneAnonymousBudget(@TempDir Path data) throws Exception {
        start(data, "--rate-anonymous", "2/15m", "--trust-proxy");
        assertEquals(401, status("127.0.0.1", "2001:db8:1:2::1"));
        assertEquals(401, status("127.0.0.1", "2001:db8:1:2::2"));
        assertEquals(429, status("127.0.0.1", "2001:db8:1:2:ffff:ffff:ffff:fffe"), "a third address of the same /64");
        assertEquals(401, status("127.0.0.1", "2001:db8:1:3::1"), "another /64 has its own budget");
        assertEquals(401, status("127.0.0.1", "2001:db8:1:4::1"));
    }

    @Test
    void thePrefixLengthIsAFlag(@TempDir Path data) throws Exception {
        start(data, "--rate-anonymous", "1/15m", "--trust-proxy", "--ipv6-prefix", "48");
        assertEquals(401, status("127.0.0.1", "2001:db8:1:2::1"));
        assertEquals(429, status("127.0.0.1", "2001:db8:1:3::1"), "one /48");
    }

    @Test
    void anIpv4MappedAddressIsItsIpv4Address(@TempDir Path data) throws Exception {
        start(data, "--rate-anonymous", "1/15m", "--trust-proxy");
        assertEquals(401, status("127.0.0.1", "::ffff:198.51.100.7"));
        assertEquals(429, status("127.0.0.1", "198.51.100.7"));
    }

    @Test
    void aHostileHeaderIsIgnoredNeverA500(@TempDir Path data) throws Exception {
        start(data, "--rate-anonymous", "3/15m", "--trust-proxy");
        assertEquals(401, status("127.0.0.1", "not-an-address"));
        assertEquals(401, status("127.0.0.1", "evil.example, " + "9".repeat(3000)));
        assertEquals(401, status("127.0.0.1", "fe80::1%eth0"));
        assertEquals(429, status("127.0.0.1", null), "all three counted on the peer address");
        assertEquals(401, status("127.0.0.1", "203.0.113.5"), "a valid entry is its own client");
    }

    @Test
    void withoutTrustProxyAnIpv6PeerIsCountedByItsSlash64(@TempDir Path data) throws Exception {
        start(data, "--rate-anonymous", "2/15m");
        assertEquals(401, status("[::1]", "2001:db8:1:2::1"));
        assertEquals(401, status("[::1]", "2001:db8:1:3::1"));
        assertEquals(429, status("[::1]", "2001:db8:1:4::1"), "the header is ignored: the peer ::1 is the client");
        assertEquals(401, status("127.0.0.1", null), "IPv4 loopback is another client");
    }
}
