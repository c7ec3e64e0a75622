package dev.infrakit.auth;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The verified-token cache of a {@link TokenVerifier}: from the SHA-256 of a token that passed
 * every check that does not depend on the time (its form, type, key, signature and claims) to what
 * those checks found. Bounded: past {@code maxEntries} an insertion first drops expired entries,
 * then evicts others (in the map's order, which for digests is arbitrary). Lock-free reads, no
 * shared lock on any path; the token itself is never kept.
 */
final class VerifiedTokens {
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    });

    private final ConcurrentHashMap<ByteBuffer, Entry> entries = new ConcurrentHashMap<>();
    private final int maxEntries;
    private final Duration maxAge;
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder evictions = new LongAdder();

    /**
     * What the time-independent checks of one token found.
     *
     * @param principal the principal, before the revocation check
     * @param kid the token's key id (null when it named none)
     * @param key the key whose signature verified
     * @param expires the token's {@code exp}
     * @param notBefore its {@code nbf}, or null
     * @param issued its {@code iat}, or null
     * @param dropAt when the entry is dropped: the token's {@code exp} plus the skew, or the
     *     cache's maximum age, whichever is first
     */
    record Entry(Principal principal, String kid, VerificationKey key, Instant expires, Instant notBefore,
            Instant issued, Instant dropAt) {
    }

    VerifiedTokens(int maxEntries, Duration maxAge) {
        this.maxEntries = maxEntries;
        this.maxAge = maxAge;
    }

    Duration maxAge() {
        return maxAge;
    }

    /** The key of {@code token}: its SHA-256. */
    static ByteBuffer digest(String token) {
        MessageDigest sha256 = SHA256.get();
        return ByteBuffer.wrap(sha256.digest(token.getBytes(StandardCharsets.UTF_8)));
    }

    /** The live entry of {@code digest}, counting a hit or a miss; an expired one is dropped. */
    Entry get(ByteBuffer digest, Instant now) {
        Entry e = entries.get(digest);
        if (e != null && now.isAfter(e.dropAt())) {
            entries.remove(digest, e);
            e = null;
        }
        if (e == null) {
            misses.increment();
        } else {
            hits.increment();
        }
        return e;
    }

    void put(ByteBuffer digest, Entry entry, Instant now) {
        if (entries.size() >= maxEntries) {
            makeRoom(now);
        }
        entries.put(digest, entry);
    }

    void remove(ByteBuffer digest) {
        entries.remove(digest);
    }

    /** Drops expired entries, then others, until a new one fits (an eighth of the room at least). */
    private void makeRoom(Instant now) {
        int target = maxEntries - Math.max(1, maxEntries / 8);
        for (Iterator<Map.Entry<ByteBuffer, Entry>> it = entries.entrySet().iterator(); it.hasNext(); ) {
            if (now.isAfter(it.next().getValue().dropAt())) {
                it.remove();
                evictions.increment();
            }
        }
        for (Iterator<ByteBuffer> it = entries.keySet().iterator(); it.hasNext() && entries.size() > target; ) {
            it.next();
            it.remove();
            evictions.increment();
        }
    }

    TokenVerifier.CacheStats stats() {
        return new TokenVerifier.CacheStats(entries.size(), maxEntries, hits.sum(), misses.sum(), evictions.sum());
    }
}
