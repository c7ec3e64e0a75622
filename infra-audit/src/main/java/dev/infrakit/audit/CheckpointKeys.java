package dev.infrakit.audit;

import dev.infrakit.core.internal.DurableFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.Objects;

/**
 * The P-256 key pair that signs audit checkpoints, in PEM files: the private key as unencrypted
 * PKCS#8 ({@code BEGIN PRIVATE KEY}, as {@code openssl genpkey -algorithm EC -pkeyopt
 * ec_paramgen_curve:P-256} writes it), the public key as X.509 SubjectPublicKeyInfo
 * ({@code BEGIN PUBLIC KEY}, {@code openssl pkey -pubout}). The signer needs the private key; a
 * verifier needs only the public one. Keep the private key outside the log directory: whoever
 * holds it can sign checkpoints for a forged log.
 *
 * <p>Errors name the file, never key material. Thread-safe (no state).
 */
public final class CheckpointKeys {
    private static final String PRIVATE = "PRIVATE KEY";
    private static final String PUBLIC = "PUBLIC KEY";

    private CheckpointKeys() {
    }

    /** A new random P-256 key pair. */
    public static KeyPair generate() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("This JVM cannot make P-256 keys", e);
        }
    }

    /**
     * The key pair in {@code privateKeyFile} and {@code publicKeyFile}; when neither exists, a new
     * one written there (owner-only private key, parent directories created owner-only).
     *
     * @throws AuditException if only one of them exists, or a file cannot be read, parsed or written
     */
    public static KeyPair loadOrCreate(Path privateKeyFile, Path publicKeyFile) {
        Objects.requireNonNull(privateKeyFile, "privateKeyFile");
        Objects.requireNonNull(publicKeyFile, "publicKeyFile");
        boolean hasPrivate = Files.exists(privateKeyFile);
        boolean hasPublic = Files.exists(publicKeyFile);
        if (hasPrivate && hasPublic) {
            return new KeyPair(readPublic(publicKeyFile), readPrivate(privateKeyFile));
        }
        if (hasPrivate || hasPublic) {
            throw new AuditException("The checkpoint key " + (hasPrivate ? privateKeyFile : publicKeyFile)
                    + " exists without its " + (hasPrivate ? "public key " + publicKeyFile : "private key " + privateKeyFile)
                    + "; restore it, or move both aside to start a new key");
        }
        KeyPair pair = generate();
        try {
            DurableFiles.createOwnerOnlyDirectories(privateKeyFile.toAbsolutePath().getParent());
            DurableFiles.createOwnerOnlyDirectories(publicKeyFile.toAbsolutePath().getParent());
            DurableFiles.replace(publicKeyFile.toAbsolutePath(), pem(PUBLIC, pair.getPublic().getEncoded()));
            DurableFiles.replace(privateKeyFile.toAbsolutePath(), pem(PRIVATE, pair.getPrivate().getEncoded()),
                    DurableFiles.ownerOnly(privateKeyFile.toAbsolutePath().getParent(), false));
            DurableFiles.restrictToOwner(privateKeyFile, false);
        } catch (IOException e) {
            throw new AuditException("Could not write the checkpoint key to " + privateKeyFile + ": " + e.getMessage(), e);
        }
        return pair;
    }

    /**
     * The P-256 private key in a PKCS#8 PEM file.
     *
     * @throws AuditException if it cannot be read or is not an unencrypted P-256 PKCS#8 key
     */
    public static ECPrivateKey readPrivate(Path file) {
        try {
            java.security.PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(
                    new PKCS8EncodedKeySpec(der(file, PRIVATE)));
            ECPrivateKey ec = (ECPrivateKey) key;
            requireP256(file, ec.getParams());
            return ec;
        } catch (GeneralSecurityException | ClassCastException e) {
            throw new AuditException(file + " does not hold an unencrypted PKCS#8 EC private key (BEGIN PRIVATE KEY)");
        }
    }

    /**
     * The P-256 public key in an X.509 PEM file.
     *
     * @throws AuditException if it cannot be read or is not a P-256 public key
     */
    public static ECPublicKey readPublic(Path file) {
        try {
            java.security.PublicKey key = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(der(file, PUBLIC)));
            ECPublicKey ec = (ECPublicKey) key;
            requireP256(file, ec.getParams());
            return ec;
        } catch (GeneralSecurityException | ClassCastException e) {
            throw new AuditException(file + " does not hold an EC public key (BEGIN PUBLIC KEY)");
        }
    }

    private static void requireP256(Path file, java.security.spec.ECParameterSpec params) {
        if (params.getCurve().getField().getFieldSize() != 256) {
            throw new AuditException(file + " holds an EC key on another curve; checkpoints are signed with P-256");
        }
    }

    private static byte[] der(Path file, String label) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new AuditException("Cannot read the checkpoint key " + file + ": " + e.getMessage(), e);
        }
        String begin = "-----BEGIN " + label + "-----";
        String end = "-----END " + label + "-----";
        int from = text.indexOf(begin);
        int to = text.indexOf(end);
        if (from < 0 || to < from) {
            throw new AuditException(file + " is not a PEM file holding a " + label + " (" + begin + ")");
        }
        try {
            return Base64.getMimeDecoder().decode(text.substring(from + begin.length(), to));
        } catch (IllegalArgumentException e) {
            throw new AuditException(file + " holds a " + label + " that is not base64");
        }
    }

    private static byte[] pem(String label, byte[] der) {
        return ("-----BEGIN " + label + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + label + "-----\n").getBytes(StandardCharsets.US_ASCII);
    }
}
