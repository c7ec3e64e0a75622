package dev.infrakit.credentials;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The master keys an encrypted store uses: a primary that encrypts every new record, and older
 * keys kept only to read records not yet re-encrypted. Rotation without downtime: give every
 * instance {@code ring.withPrimary(newKey)}, then run the store's {@code rewrap()}, which
 * re-encrypts every record under the new primary; then the old key can be dropped
 * ({@link #without(String)}). Immutable.
 */
public final class KeyRing {
    private final MasterKey primary;
    private final Map<String, MasterKey> keys;

    private KeyRing(MasterKey primary, Map<String, MasterKey> keys) {
        this.primary = primary;
        this.keys = Collections.unmodifiableMap(keys);
    }

    /** A ring with {@code primary} and, for reading only, {@code older} keys. */
    public static KeyRing of(MasterKey primary, MasterKey... older) {
        Map<String, MasterKey> keys = new LinkedHashMap<>();
        keys.put(Objects.requireNonNull(primary, "primary").id(), primary);
        for (MasterKey k : older) {
            keys.putIfAbsent(Objects.requireNonNull(k, "older key").id(), k);
        }
        return new KeyRing(primary, keys);
    }

    /** The key that encrypts new records. */
    public MasterKey primary() {
        return primary;
    }

    /** A key by id. */
    public Optional<MasterKey> find(String id) {
        return Optional.ofNullable(keys.get(id));
    }

    /** The ids of every key, primary first. */
    public List<String> ids() {
        return new ArrayList<>(keys.keySet());
    }

    /** This ring with {@code newPrimary} as primary; the current keys stay for reading. */
    public KeyRing withPrimary(MasterKey newPrimary) {
        Map<String, MasterKey> next = new LinkedHashMap<>();
        next.put(newPrimary.id(), newPrimary);
        keys.forEach(next::putIfAbsent);
        return new KeyRing(newPrimary, next);
    }

    /**
     * This ring without the key {@code id} (after a re-wrap, records no longer need it).
     *
     * @throws IllegalArgumentException if {@code id} is the primary
     */
    public KeyRing without(String id) {
        if (primary.id().equals(id)) {
            throw new IllegalArgumentException("Cannot remove the primary key " + id + " from the key ring");
        }
        Map<String, MasterKey> next = new LinkedHashMap<>(keys);
        next.remove(id);
        return new KeyRing(primary, next);
    }

    @Override
    public String toString() {
        return "KeyRing[primary " + primary.id() + ", keys " + keys.keySet() + "]";
    }
}
