package dev.infrakit.core.http;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClientAddressTest {
    @Test
    void ipv6AddressesOfOneSlash64ShareOneBudgetKey() {
        ClientAddress a = ClientAddress.parse("2001:db8:1:2::1");
        ClientAddress b = ClientAddress.parse("2001:db8:1:2:ffff:ffff:ffff:fffe");
        ClientAddress other = ClientAddress.parse("2001:db8:1:3::1");
        assertEquals("2001:db8:1:2::/64", a.budgetKey());
        assertEquals(a.budgetKey(), b.budgetKey());
        assertNotEquals(a.budgetKey(), other.budgetKey());
        assertNotEquals(a.text(), b.text(), "the full address stays available for audit records");
    }

    @Test
    void thePrefixLengthIsConfigurable() {
        ClientAddress.Resolver site = ClientAddress.resolver().ipv6PrefixLength(48).build();
        assertEquals("2001:db8:1::/48", site.parse("2001:db8:1:2::1").budgetKey());
        assertEquals(site.parse("2001:db8:1:ffff::9").budgetKey(), site.parse("2001:db8:1:2::1").budgetKey());
        ClientAddress.Resolver each = ClientAddress.resolver().ipv6PrefixLength(128).build();
        assertEquals("2001:db8:1:2:0:0:0:1/128", each.parse("2001:db8:1:2::1").budgetKey());
        assertEquals("2001:db8:1:0::/60", ClientAddress.resolver().ipv6PrefixLength(60).build()
                .parse("2001:db8:1:f::1").budgetKey(), "bits past the prefix are cleared");
        assertThrows(IllegalArgumentException.class, () -> ClientAddress.resolver().ipv6PrefixLength(8));
        assertThrows(IllegalStateException.class, () -> ClientAddress.resolver().ipv6PrefixLength(64).ipv6PrefixLength(56));
        assertThrows(IllegalStateException.class, () -> ClientAddress.resolver().trustedProxies(1).trustedProxies(2));
    }

    @Test
    void ipv4MappedAddressesAreIpv4() throws Exception {
        ClientAddress mapped = ClientAddress.of(InetAddress.getByAddress(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                (byte) 0xff, (byte) 0xff, (byte) 192, 0, 2, 7}));
        assertEquals("192.0.2.7", mapped.budgetKey());
        assertEquals("192.0.2.7", mapped.text());
        assertEquals(ClientAddress.parse("192.0.2.7"), mapped);
        assertEquals("192.0.2.7", ClientAddress.parse("::ffff:192.0.2.7").budgetKey());
    }

    @Test
    void parsesLiteralsOnlyAndNamesTheBadValue() {
        assertEquals("192.0.2.1", ClientAddress.parse("192.0.2.1:4711").text());
        assertEquals("2001:db8:0:0:0:0:0:1", ClientAddress.parse("[2001:db8::1]:4711").text());
        assertEquals("2001:db8:0:0:0:0:0:1", ClientAddress.parse("[2001:db8::1]").text());
        for (String bad : List.of("localhost", "example.com", "", "1.2.3", "1.2.3.256", "01.2.3.4", "fe80::1%eth0",
                "[1.2.3.4]", "1.2.3.4:99999", "::g", "1.2.3.4 5")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClientAddress.parse(bad), bad);
            assertTrue(e.getMessage().startsWith("not an IP address"), e.getMessage());
        }
    }

    @Test
    void aRequestOfAnyServerApiResolvesByTheSameRule() throws Exception {
        ClientAddress.Resolver oneProxy = ClientAddress.resolver().trustedProxies(1).build();
        InetAddress peer = InetAddress.getByName("127.0.0.1");
        assertEquals("2001:db8:0:0::/64", oneProxy.resolve(peer, List.of("203.0.113.9, 2001:db8::7")).budgetKey());
        assertEquals("127.0.0.1", oneProxy.resolve(peer, List.of("not-an-address")).text());
        assertEquals("127.0.0.1", oneProxy.resolve(peer, null).text());
        assertEquals("127.0.0.1", ClientAddress.resolver().build().resolve(peer, List.of("203.0.113.9")).text());
        assertEquals(ClientAddress.unknown(), oneProxy.resolve(null, List.of()));
        assertEquals("203.0.113.9", oneProxy.resolve(null, List.of("203.0.113.9")).text());
    }
}
