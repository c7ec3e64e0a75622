package dev.infrakit.credentials;

import java.security.MessageDigest;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * HMAC-SHA256 under keys derived from a {@link KeyRing}'s master keys for one purpose only
 * ({@link MasterKey#derive}): what the encrypted file store uses to authenticate its clear text
 * (records' metadata, the manifest, a write's intent) and the PostgreSQL API key store its rows, so
 * nobody without the master key can change a name, a time, a flag or a write number unnoticed. A
 * MAC is kept with the id of the master key it was made with ({@link #primaryId()}), so data
 * authenticated before a key rotation still verifies while that key is in the ring.
 *
 * <p>Use one purpose string per kind of data: keys derived for different purposes are unrelated,
 * so a MAC made for one cannot be replayed as another. Thread-safe.
 */
public final class KeyRingMac {
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private final KeyRing ring;
    private final String purpose;
    /** Derived keys by master key id: deriving costs two HMACs, and every read verifies. */
    private final Map<String, byte[]> keys = new ConcurrentHashMap<>();

    /**
     * MACs under keys derived from {@code ring}'s master keys for {@code purpose}.
     *
     * @param ring the master keys; the primary makes new MACs, every key in it verifies
     * @param purpose what is authenticated, e.g. {@code "myapp session rows HMAC-SHA256"}
     */
    public KeyRingMac(KeyRing ring, String purpose) {
        this.ring = Objects.requireNonNull(ring, "ring");
        this.purpose = Objects.requireNonNull(purpose, "purpose");
    }

    /**
     * The id of the key new MACs are made with (the ring's primary).
     *
     * @return the primary master key's id
     */
    public String primaryId() {
        return ring.primary().id();
    }

    /**
     * The MAC of {@code data} under the primary key, base64url.
     *
     * @param data what to authenticate
     * @return the MAC, to be kept with {@link #primaryId()}
     */
    public String sign(byte[] data) {
        return ENCODER.encodeToString(MasterKey.hmac(key(ring.primary()), data));
    }

    /**
     * Whether {@code mac} is the MAC of {@code data} under master key {@code keyId} (compared in
     * constant time).
     *
     * @param what names the file, for the message
     * @throws CredentialIntegrityException if the key is not in the ring
     */
    public boolean verify(String keyId, byte[] data, String mac, String what) {
        MasterKey key = ring.find(keyId).orElseThrow(() -> new CredentialIntegrityException(what
                + " is authenticated with master key " + keyId + ", which is not in the key ring " + ring.ids()
                + " (a wrong or missing master key?)"));
        byte[] given;
        try {
            given = DECODER.decode(mac);
        } catch (IllegalArgumentException e) {
            return false;
        }
        return MessageDigest.isEqual(MasterKey.hmac(key(key), data), given);
    }

    private byte[] key(MasterKey master) {
        return keys.computeIfAbsent(master.id(), id -> master.derive(purpose));
    }

    /** Shows the key ids, never a key. */
    @Override
    public String toString() {
        return "KeyRingMac[" + ring.ids() + "]";
    }
}
