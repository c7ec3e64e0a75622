package dev.infrakit.credentials.internal;

import com.nimbusds.jose.EncryptionMethod;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWEAlgorithm;
import com.nimbusds.jose.JWEHeader;
import com.nimbusds.jose.JWEObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.AESDecrypter;
import com.nimbusds.jose.crypto.AESEncrypter;
import dev.infrakit.credentials.CredentialIntegrityException;
import dev.infrakit.credentials.KeyRing;
import dev.infrakit.credentials.MasterKey;
import dev.infrakit.credentials.SecretValue;

import java.text.ParseException;
import java.util.Arrays;
import java.util.Objects;

/**
 * Encryption at rest: each version is a compact JWE ({@code A256KW} + {@code A256GCM}), so every
 * record has its own random content key, wrapped by a key derived from a master key. The protected
 * header carries the master key's id, the credential's name ({@code ikn}) and version
 * ({@code ikv}); it is authenticated with the content, and checked on every read, so a record
 * moved to another name or version is refused.
 */
public final class SecretCipher {
    /** The HKDF purpose of the key-wrapping keys. */
    static final String PURPOSE = "infrakit credentials A256KW";
    private static final String NAME = "ikn";
    private static final String VERSION = "ikv";

    private final KeyRing ring;

    public SecretCipher(KeyRing ring) {
        this.ring = Objects.requireNonNull(ring, "ring");
    }

    public KeyRing ring() {
        return ring;
    }

    /** The record for one version of a credential, under the primary key. */
    public String seal(String name, int version, SecretValue value) {
        MasterKey key = ring.primary();
        JWEHeader header = new JWEHeader.Builder(JWEAlgorithm.A256KW, EncryptionMethod.A256GCM).keyID(key.id())
                .customParam(NAME, name).customParam(VERSION, version).build();
        byte[] plain = value.toBytes();
        byte[] kek = key.derive(PURPOSE);
        try {
            JWEObject jwe = new JWEObject(header, new Payload(plain));
            jwe.encrypt(new AESEncrypter(kek));
            return jwe.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException("Cannot encrypt version " + version + " of credential '" + name + "'", e);
        } finally {
            Arrays.fill(plain, (byte) 0);
            Arrays.fill(kek, (byte) 0);
        }
    }

    /** The id of the key a record is encrypted under. */
    public String keyIdOf(String name, int version, String record) {
        return parse(name, version, record).getHeader().getKeyID();
    }

    /**
     * Decrypts and checks a record.
     *
     * @throws CredentialIntegrityException if it is not a record of this name and version, was
     *     modified, or its key is not in the ring
     */
    public SecretValue open(String name, int version, String record) {
        JWEObject jwe = parse(name, version, record);
        JWEHeader header = jwe.getHeader();
        String where = "version " + version + " of credential '" + name + "'";
        if (!JWEAlgorithm.A256KW.equals(header.getAlgorithm()) || !EncryptionMethod.A256GCM.equals(
                header.getEncryptionMethod())) {
            throw new CredentialIntegrityException("The stored record of " + where + " uses " + header.getAlgorithm()
                    + "/" + header.getEncryptionMethod() + ", not A256KW/A256GCM; refusing it");
        }
        Object storedName = header.getCustomParam(NAME);
        Object storedVersion = header.getCustomParam(VERSION);
        if (!name.equals(storedName) || !(storedVersion instanceof Number)
                || ((Number) storedVersion).intValue() != version) {
            throw new CredentialIntegrityException("The stored record of " + where + " belongs to version "
                    + storedVersion + " of credential '" + storedName + "': records were moved or swapped");
        }
        String kid = header.getKeyID();
        MasterKey key = ring.find(kid).orElseThrow(() -> new CredentialIntegrityException("The stored record of "
                + where + " is encrypted with master key " + kid + ", which is not in the key ring " + ring.ids()
                + " (a wrong or missing master key?)"));
        byte[] kek = key.derive(PURPOSE);
        try {
            jwe.decrypt(new AESDecrypter(kek));
        } catch (JOSEException e) {
            throw new CredentialIntegrityException("The stored record of " + where + " failed decryption with master key "
                    + kid + ": it was modified, or the key is not the one it was written with", e);
        } finally {
            Arrays.fill(kek, (byte) 0);
        }
        byte[] plain = jwe.getPayload().toBytes();
        try {
            return SecretValue.fromBytes(plain);
        } catch (IllegalArgumentException e) {
            throw new CredentialIntegrityException("The stored record of " + where + " does not hold a secret value", e);
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    private static JWEObject parse(String name, int version, String record) {
        try {
            return JWEObject.parse(record);
        } catch (ParseException e) {
            throw new CredentialIntegrityException("The stored record of version " + version + " of credential '" + name
                    + "' is not an encrypted record (JWE): " + e.getMessage());
        }
    }
}
