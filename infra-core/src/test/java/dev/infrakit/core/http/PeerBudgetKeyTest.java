package dev.infrakit.core.http;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link ClientAddress.Resolver#peerBudgetKey(String)} gives the key the full parse gives, for any text. */
class PeerBudgetKeyTest {
    private static final List<String> PEERS = List.of(
            "192.0.2.1", "10.0.0.1", "0.0.0.0", "255.255.255.255", "1.2.3.4", "100.64.10.200",
            "010.0.0.1", "1.02.3.4", "256.1.1.1", "1.2.3", "1.2.3.4.5", "1.2.3.", ".1.2.3", "1..2.3",
            "1234.1.1.1", " 10.0.0.1", "10.0.0.1 ", "10.0.0.1:8080", "10.0.0.1:99999", "10.0.0.-1",
            "+1.2.3.4", "1.2.3.4%eth0", "١.2.3.4", "1.2.3.4\n", "",
            "2001:db8::1", "2001:DB8:1:2:3:4:5:6", "[2001:db8::1]", "[2001:db8::1]:443", "::1", "::",
            "::ffff:192.0.2.7", "::ffff:c000:207", "0:0:0:0:0:ffff:192.0.2.7", "fe80::1%eth0", "fe80::1%1",
            "2001:db8:0:0:1::1", "2001:db8::1::2", "2001:db8:::1", "gggg::1", "localhost", "example.com",
            "unix:/run/app.sock", "[::1", "::1]", "1:2:3:4:5:6:7:8:9", "2001:db8::192.0.2.1");

    @Test
    void everyPeerGetsTheKeyOfTheFullParse() {
        for (int prefix : new int[] {16, 48, 64, 100, 128}) {
            ClientAddress.Resolver resolver = ClientAddress.resolver().ipv6PrefixLength(prefix).build();
            for (String peer : PEERS) {
                assertEquals(byFullParse(resolver, peer), resolver.peerBudgetKey(peer), peer + " /" + prefix);
            }
            assertEquals("unknown", resolver.peerBudgetKey(null));
        }
    }

    @Test
    void randomDottedQuadsAndNearMissesGetTheKeyOfTheFullParse() {
        ClientAddress.Resolver resolver = ClientAddress.resolver().build();
        Random random = new Random(20);
        String alphabet = "0123456789.:a ";
        for (int i = 0; i < 20_000; i++) {
            String peer;
            if (i % 2 == 0) {
                peer = random.nextInt(300) + "." + random.nextInt(300) + "." + random.nextInt(300) + "."
                        + (random.nextBoolean() ? "0" : "") + random.nextInt(300);
            } else {
                StringBuilder text = new StringBuilder();
                for (int c = random.nextInt(17); c > 0; c--) {
                    text.append(alphabet.charAt(random.nextInt(alphabet.length())));
                }
                peer = text.toString();
            }
            String key = byFullParse(resolver, peer);
            assertEquals(key, resolver.peerBudgetKey(peer), peer);
            // The fast check says yes exactly for the IPv4 texts the full parse gives back unchanged.
            assertEquals(peer.indexOf(':') < 0 && peer.equals(key), ClientAddress.canonicalIpv4(peer), peer);
        }
    }

    @Test
    void aUsualDottedQuadIsItsOwnKey() {
        String peer = new String("203.0.113.9");
        assertSame(peer, ClientAddress.resolver().build().peerBudgetKey(peer));
        assertTrue(ClientAddress.canonicalIpv4("203.0.113.9"));
        assertFalse(ClientAddress.canonicalIpv4("203.0.113.09"));
        assertFalse(ClientAddress.canonicalIpv4("203.0.113.9."));
    }

    @Test
    void forwardedForIsReadOnlyBehindTrustedProxies() {
        assertFalse(ClientAddress.resolver().build().readsForwardedFor());
        assertFalse(ClientAddress.resolver().trustedProxies(0).build().readsForwardedFor());
        assertTrue(ClientAddress.resolver().trustedProxies(1).build().readsForwardedFor());
    }

    /** What a Servlet adapter did per request: parse the peer, then resolve it with no forwarded lines. */
    private static String byFullParse(ClientAddress.Resolver resolver, String peer) {
        ClientAddress parsed;
        try {
            parsed = ClientAddress.parse(peer);
        } catch (IllegalArgumentException e) {
            return resolver.resolve(null, new ArrayList<>()).budgetKey();
        }
        return resolver.resolve(parsed.address(), new ArrayList<>()).budgetKey();
    }
}
