package dev.infrakit.core.http;

import dev.infrakit.core.Arguments;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Where a request comes from, as one rule for every part of a service that keys something on it
 * (rate limits, login throttling, audit records): the socket's peer address or, behind trusted
 * proxies, the {@code X-Forwarded-For} entry the nearest trusted proxy appended.
 *
 * <pre>{@code
 * ClientAddress.Resolver clients = ClientAddress.resolver().trustedProxies(1).build();
 * ClientAddress client = clients.resolve(peer, forwardedForLines);  // or an adapter: infra-web's Exchanges
 * audit.actor(Actor.anonymous(client.text()));            // the full address
 * limiter.decide("anonymous", client.budgetKey(), 1);     // one budget per IPv4 address or IPv6 /64
 * }</pre>
 *
 * <p><b>Budgets.</b> A host on IPv6 usually owns a whole /64 and can pick a new address for every
 * request, so anything counted per address is counted per prefix there: {@link #budgetKey()} is
 * the IPv4 address, or the IPv6 network of {@link Resolver.Builder#ipv6PrefixLength(int)} bits
 * (64 by default) written as {@code 2001:db8:1:2::/64}. An IPv4-mapped IPv6 address
 * ({@code ::ffff:192.0.2.1}, what a dual-stack socket reports for an IPv4 peer) is the IPv4
 * address.
 *
 * <p><b>X-Forwarded-For.</b> With {@code trustedProxies(n)}, the n-th entry from the right of the
 * header's entries (all its lines joined in order) is the client: each proxy appends the address it
 * saw, so entries further left were written by the client and prove nothing. Without trusted
 * proxies (the default) the header is ignored. A header that is missing, has fewer entries than
 * trusted proxies, or whose chosen entry is not an IP literal (hostnames are never resolved) is
 * ignored and the peer address is used: a hostile header can never fail a request. Entries may be
 * bracketed ({@code [2001:db8::1]}) and may carry a port ({@code 192.0.2.1:4711},
 * {@code [2001:db8::1]:4711}).
 *
 * <p>Immutable and thread-safe, as is {@link Resolver}.
 */
public final class ClientAddress {
    private static final int MAX_HEADER_CHARS = 4096;
    private static final Resolver DEFAULT = resolver().build();
    private static final ClientAddress UNKNOWN = new ClientAddress(null, "unknown");

    private final InetAddress address;
    private final String budgetKey;

    private ClientAddress(InetAddress address, String budgetKey) {
        this.address = address;
        this.budgetKey = budgetKey;
    }

    /**
     * {@code address} with the default IPv6 prefix (/64); IPv4-mapped addresses become IPv4.
     *
     * @throws NullPointerException if {@code address} is null
     */
    public static ClientAddress of(InetAddress address) {
        return DEFAULT.of(address);
    }

    /**
     * Parses an IP literal (IPv4 dotted quad or IPv6, optionally bracketed, optionally with a port)
     * with the default IPv6 prefix (/64). Never resolves a host name.
     *
     * @throws IllegalArgumentException naming the text if it is not an IP literal
     */
    public static ClientAddress parse(String text) {
        return DEFAULT.parse(text);
    }

    /** A builder of a {@link Resolver}: no trusted proxy, IPv6 budgets per /64. */
    public static Resolver.Builder resolver() {
        return new Resolver.Builder();
    }

    /** The address ({@code null} only for {@link #unknown()}); IPv4-mapped IPv6 addresses are IPv4. */
    public InetAddress address() {
        return address;
    }

    /** The address as text ({@code 192.0.2.1}, {@code 2001:db8:0:0:0:0:0:1}), or {@code unknown}. */
    public String text() {
        return address == null ? "unknown" : address.getHostAddress();
    }

    /**
     * The key to count budgets on: the IPv4 address, or the IPv6 prefix such as
     * {@code 2001:db8:1:2::/64}; {@code unknown} when the address is not known.
     */
    public String budgetKey() {
        return budgetKey;
    }

    /** A client whose address is not known (an exchange without a peer address). */
    public static ClientAddress unknown() {
        return UNKNOWN;
    }

    /** {@link #text()}. */
    @Override
    public String toString() {
        return text();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClientAddress && Objects.equals(((ClientAddress) o).address, address)
                && ((ClientAddress) o).budgetKey.equals(budgetKey);
    }

    @Override
    public int hashCode() {
        return Objects.hash(address, budgetKey);
    }

    /** Finds the {@link ClientAddress} of requests by one configured rule. Immutable, thread-safe. */
    public static final class Resolver {
        private final int trustedProxies;
        private final int ipv6PrefixLength;

        private Resolver(Builder b) {
            this.trustedProxies = b.trustedProxies;
            this.ipv6PrefixLength = b.ipv6PrefixLength;
        }

        /**
         * The client of a request of any server API: the trusted entry of its
         * {@code X-Forwarded-For} field lines when there is a valid one, else {@code peer}
         * ({@link ClientAddress#unknown()} when that is {@code null}). A Servlet adapter passes
         * {@code request.getRemoteAddr()} parsed with {@link ClientAddress#parse} (or {@code null}
         * when it is not an IP literal) and {@code Collections.list(request.getHeaders("X-Forwarded-For"))}.
         *
         * @param peer the socket's peer address, or {@code null} if unknown
         * @param forwardedFor every {@code X-Forwarded-For} field line in order, or {@code null} or
         *     empty when there is none
         */
        public ClientAddress resolve(InetAddress peer, List<String> forwardedFor) {
            if (trustedProxies > 0 && forwardedFor != null && !forwardedFor.isEmpty()) {
                InetAddress forwarded = forwarded(forwardedFor);
                if (forwarded != null) {
                    return of(forwarded);
                }
            }
            return peer == null ? UNKNOWN : of(peer);
        }

        /**
         * {@code address} under this resolver's IPv6 prefix length.
         *
         * @throws NullPointerException if {@code address} is null
         */
        public ClientAddress of(InetAddress address) {
            InetAddress a = unmap(Objects.requireNonNull(address, "address"));
            return new ClientAddress(a, a instanceof Inet4Address ? a.getHostAddress() : prefix(a.getAddress()));
        }

        /**
         * Whether this resolver reads {@code X-Forwarded-For} (it trusts at least one proxy). When
         * it does not, an adapter need not collect the header's lines: the peer alone decides.
         */
        public boolean readsForwardedFor() {
            return trustedProxies > 0;
        }

        /**
         * The budget key of a peer address given as text, as a Servlet container's
         * {@code getRemoteAddr()} gives it: {@code parse(text).budgetKey()}, or
         * {@code unknown().budgetKey()} when {@code text} is {@code null} or not an IP literal (a
         * Unix socket's or a proxy protocol's text). Never throws and never resolves a host name.
         * A dotted quad in its usual form (what containers report for IPv4) is its own key and is
         * returned as it is, without being parsed into an {@link InetAddress}: the request path
         * of a rate limiter keyed on the client.
         */
        public String peerBudgetKey(String text) {
            if (text == null) {
                return UNKNOWN.budgetKey;
            }
            if (canonicalIpv4(text)) {
                return text;
            }
            InetAddress a = literal(text);
            return a == null ? UNKNOWN.budgetKey : of(a).budgetKey;
        }

        /**
         * Parses an IP literal under this resolver's IPv6 prefix length. Never resolves a host name.
         *
         * @throws IllegalArgumentException naming the text if it is not an IP literal
         */
        public ClientAddress parse(String text) {
            Objects.requireNonNull(text, "text");
            InetAddress a = literal(text);
            if (a == null) {
                String shown = text.length() > 64 ? text.substring(0, 64) + "…" : text;
                throw new IllegalArgumentException("not an IP address: '" + shown.replaceAll("\\p{Cntrl}", "?") + "'");
            }
            return of(a);
        }

        private InetAddress forwarded(List<String> lines) {
            List<String> entries = new ArrayList<>();
            int chars = 0;
            for (String line : lines) {
                chars += line.length();
                if (chars > MAX_HEADER_CHARS) {
                    return null;
                }
                for (String entry : line.split(",", -1)) {
                    entries.add(entry.trim());
                }
            }
            if (entries.size() < trustedProxies) {
                return null;
            }
            return literal(entries.get(entries.size() - trustedProxies));
        }

        private String prefix(byte[] bytes) {
            int full = ipv6PrefixLength / 8;
            int rest = ipv6PrefixLength % 8;
            for (int i = full + (rest > 0 ? 1 : 0); i < 16; i++) {
                bytes[i] = 0;
            }
            if (rest > 0) {
                bytes[full] &= (byte) (0xff << (8 - rest));
            }
            StringBuilder out = new StringBuilder();
            int groups = (ipv6PrefixLength + 15) / 16;
            for (int g = 0; g < groups; g++) {
                if (g > 0) {
                    out.append(':');
                }
                out.append(Integer.toHexString(((bytes[2 * g] & 0xff) << 8) | (bytes[2 * g + 1] & 0xff)));
            }
            return out.append(groups < 8 ? "::/" : "/").append(ipv6PrefixLength).toString();
        }

        /** Builds a {@link Resolver}; each setting is checked when given, and may be given once. */
        public static final class Builder {
            private int trustedProxies = -1;
            private int ipv6PrefixLength = -1;

            private Builder() {
            }

            /**
             * How many proxies in front of the service append to {@code X-Forwarded-For} (default 0:
             * the header is ignored). Trust only proxies that do append to it.
             *
             * @throws IllegalArgumentException if not 0 to 10
             * @throws IllegalStateException if already set
             */
            public Builder trustedProxies(int hops) {
                Arguments.setOnce(trustedProxies < 0 ? null : trustedProxies, "trustedProxies");
                if (hops < 0 || hops > 10) {
                    throw new IllegalArgumentException("trustedProxies must be 0 to 10, got " + hops);
                }
                this.trustedProxies = hops;
                return this;
            }

            /**
             * The IPv6 prefix that shares one budget (default 64, what one host or site usually
             * owns; 128 counts every address apart, 48 a whole site).
             *
             * @throws IllegalArgumentException if not 16 to 128
             * @throws IllegalStateException if already set
             */
            public Builder ipv6PrefixLength(int bits) {
                Arguments.setOnce(ipv6PrefixLength < 0 ? null : ipv6PrefixLength, "ipv6PrefixLength");
                if (bits < 16 || bits > 128) {
                    throw new IllegalArgumentException("ipv6PrefixLength must be 16 to 128, got " + bits);
                }
                this.ipv6PrefixLength = bits;
                return this;
            }

            /** The resolver. */
            public Resolver build() {
                if (trustedProxies < 0) {
                    trustedProxies = 0;
                }
                if (ipv6PrefixLength < 0) {
                    ipv6PrefixLength = 64;
                }
                return new Resolver(this);
            }
        }
    }

    /** An IPv4-mapped IPv6 address as IPv4; anything else as it is (scope ids dropped). */
    private static InetAddress unmap(InetAddress a) {
        if (a instanceof Inet6Address) {
            byte[] b = a.getAddress();
            boolean mapped = b[10] == (byte) 0xff && b[11] == (byte) 0xff;
            for (int i = 0; i < 10 && mapped; i++) {
                mapped = b[i] == 0;
            }
            try {
                return mapped ? InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]})
                        : InetAddress.getByAddress(b);
            } catch (UnknownHostException e) {
                throw new IllegalStateException("16 bytes are an IPv6 address", e);
            }
        }
        return a;
    }

    /** An IP literal, or {@code null}; never a DNS lookup. */
    static InetAddress literal(String text) {
        String t = text.trim();
        if (t.isEmpty() || t.length() > 64) {
            return null;
        }
        if (t.startsWith("[")) {
            int close = t.indexOf(']');
            if (close < 0 || !(close == t.length() - 1 || t.charAt(close + 1) == ':' && port(t.substring(close + 2)))) {
                return null;
            }
            t = t.substring(1, close);
            if (t.indexOf(':') < 0) {
                return null;
            }
        } else if (t.indexOf(':') == t.lastIndexOf(':') && t.indexOf(':') > 0) {
            // IPv4 with a port.
            if (!port(t.substring(t.indexOf(':') + 1))) {
                return null;
            }
            t = t.substring(0, t.indexOf(':'));
        }
        if (t.indexOf(':') < 0) {
            return ipv4(t);
        }
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':' || c == '.')) {
                return null;
            }
        }
        try {
            // Only hex digits, colons and dots with a colon: a literal, never looked up.
            return InetAddress.getByName(t);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static boolean port(String digits) {
        if (digits.isEmpty() || digits.length() > 5) {
            return false;
        }
        for (int i = 0; i < digits.length(); i++) {
            if (digits.charAt(i) < '0' || digits.charAt(i) > '9') {
                return false;
            }
        }
        return Integer.parseInt(digits) <= 65535;
    }

    /**
     * Whether {@code t} is a dotted quad as {@link Inet4Address#getHostAddress()} writes one: four
     * decimal numbers 0 to 255 without leading zeros, nothing else. Such text is the address's own
     * text and its budget key.
     */
    static boolean canonicalIpv4(String t) {
        int n = t.length();
        if (n < 7 || n > 15) {
            return false;
        }
        // One pass: a number is 1 to 3 digits (more is over 255), no leading zero, three dots.
        int dots = 0;
        int digits = 0;
        int v = 0;
        for (int i = 0; i < n; i++) {
            int d = t.charAt(i) - '0';
            if (d >= 0 && d <= 9) {
                // v == d with a digit before: that digit was a leading zero.
                v = v * 10 + d;
                if (v > 255 || v == d && digits != 0) {
                    return false;
                }
                digits++;
            } else if (d == '.' - '0' && digits != 0 && dots < 3) {
                dots++;
                digits = 0;
                v = 0;
            } else {
                return false;
            }
        }
        return dots == 3 && digits != 0;
    }

    private static InetAddress ipv4(String t) {
        String[] parts = t.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] b = new byte[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 3 || (p.length() > 1 && p.charAt(0) == '0')) {
                return null;
            }
            int v = 0;
            for (int j = 0; j < p.length(); j++) {
                char c = p.charAt(j);
                if (c < '0' || c > '9') {
                    return null;
                }
                v = v * 10 + (c - '0');
            }
            if (v > 255) {
                return null;
            }
            b[i] = (byte) v;
        }
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
