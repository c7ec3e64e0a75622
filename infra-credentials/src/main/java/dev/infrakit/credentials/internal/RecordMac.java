package dev.infrakit.credentials.internal;

import dev.infrakit.credentials.CredentialIntegrityException;
import dev.infrakit.credentials.KeyRing;
import dev.infrakit.credentials.MasterKey;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HMAC-SHA256 of the encrypted file store's clear text (records' metadata, the manifest, a write's
 * intent) under a key derived from a master key for this purpose only ({@link MasterKey#derive}),
 * so nobody without the master key can change a name, a time, a flag or a write number unnoticed.
 * A MAC is stored with the id of the master key it was made with, so records written before a key
 * rotation still verify while that key is in the ring.
 */
public final class RecordMac {
    /** The HKDF purpose of the MAC keys. */
    static final String PURPOSE = "infrakit credentials file HMAC-SHA256";
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private final KeyRing ring;
    private final String purpose;
    /** Derived keys by master key id: deriving costs two HMACs, and every read verifies. */
    private final Map<String, byte[]> keys = new ConcurrentHashMap<>();

    RecordMac(KeyRing ring) {
        this(ring, PURPOSE);
    }

    /** MACs under keys derived from {@code ring}'s master keys for {@code purpose} (one purpose per use). */
    public RecordMac(KeyRing ring, String purpose) {
        this.ring = Objects.requireNonNull(ring, "ring");
        this.purpose = Objects.requireNonNull(purpose, "purpose");
    }

    /** The id of the key new MACs are made with (the ring's primary). */
    public String primaryId() {
        return ring.primary().id();
    }

    /** The MAC of {@code data} under the primary key, base64url. */
    public String sign(byte[] data) {
        return ENCODER.encodeToString(hmac(key(ring.primary()), data));
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
        return MessageDigest.isEqual(hmac(key(key), data), given);
    }

    private byte[] key(MasterKey master) {
        return keys.computeIfAbsent(master.id(), id -> master.derive(purpose));
    }

    private static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    /** Shows the key ids, never a key. */
    @Override
    public String toString() {
        return "RecordMac[" + ring.ids() + "]";
    }
}
