package dev.infrakit.audit;

import dev.infrakit.core.io.DurableFiles;

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
     * The key pair in {@code privateKeyFile}, creating it when missing, with its public key also in
     * {@code publicKeyFile} (written when missing) for verifiers.
     *
     * <p>A created private key file is owner-only (parent directories created owner-only) and holds
     * the public key too, so that several processes starting at once on the same path agree: the
     * first to create it wins (an exclusive link), the others read it. A private key file made
     * elsewhere (only a {@code PRIVATE KEY} block) needs {@code publicKeyFile} beside it. The pair is
     * checked to match by signing and verifying.
     *
     * @throws AuditException if the files cannot be read, written or parsed, or do not match
     */
    public static KeyPair loadOrCreate(Path privateKeyFile, Path publicKeyFile) {
        Objects.requireNonNull(privateKeyFile, "privateKeyFile");
        Objects.requireNonNull(publicKeyFile, "publicKeyFile");
        Path file = privateKeyFile.toAbsolutePath();
        try {
            if (!Files.exists(file)) {
                if (Files.exists(publicKeyFile)) {
                    throw new AuditException("The checkpoint public key " + publicKeyFile + " exists without its private key "
                            + privateKeyFile + "; restore it, or move the public key aside to start a new pair");
                }
                create(file);
            }
            ECPrivateKey privateKey = readPrivate(file);
            String text = Files.readString(file, StandardCharsets.US_ASCII);
            ECPublicKey publicKey;
            if (text.contains("-----BEGIN " + PUBLIC + "-----")) {
                publicKey = readPublic(file);
                byte[] pem = pem(PUBLIC, publicKey.getEncoded());
                if (!Files.exists(publicKeyFile)) {
                    DurableFiles.createOwnerOnlyDirectories(publicKeyFile.toAbsolutePath().getParent());
                    DurableFiles.replace(publicKeyFile.toAbsolutePath(), pem);
                } else if (!readPublic(publicKeyFile).equals(publicKey)) {
                    throw new AuditException("The checkpoint public key " + publicKeyFile + " does not belong to "
                            + privateKeyFile);
                }
            } else if (Files.exists(publicKeyFile)) {
                publicKey = readPublic(publicKeyFile);
            } else {
                throw new AuditException("The checkpoint key " + privateKeyFile + " holds no public key and "
                        + publicKeyFile + " is missing; write it with 'openssl pkey -in KEY -pubout'");
            }
            requireMatch(privateKey, publicKey, privateKeyFile, publicKeyFile);
            return new KeyPair(publicKey, privateKey);
        } catch (IOException e) {
            throw new AuditException("Could not read or write the checkpoint key " + privateKeyFile + ": " + e.getMessage(), e);
        }
    }

    /** Writes a new pair to {@code file} unless another process got there first. */
    private static void create(Path file) throws IOException {
        KeyPair pair = generate();
        Path directory = file.getParent();
        DurableFiles.createOwnerOnlyDirectories(directory);
        Path temporary = directory.resolve(file.getFileName() + "." + Long.toHexString(new java.security.SecureRandom()
                .nextLong()) + ".tmp");
        byte[] content = concat(pem(PRIVATE, pair.getPrivate().getEncoded()), pem(PUBLIC, pair.getPublic().getEncoded()));
        try {
            try (java.nio.channels.FileChannel out = java.nio.channels.FileChannel.open(temporary, java.util.Set.of(
                    java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE),
                    DurableFiles.ownerOnly(directory, false))) {
                DurableFiles.restrictToOwner(temporary, false);
                java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    out.write(buffer);
                }
                out.force(true);
            }
            Files.createLink(file, temporary); // exclusive: fails if someone else created it meanwhile
        } catch (java.nio.file.FileAlreadyExistsException raced) {
            // Another process created the pair first: use theirs.
        } finally {
            Files.deleteIfExists(temporary);
        }
        DurableFiles.syncDirectory(directory);
    }

    private static void requireMatch(ECPrivateKey privateKey, ECPublicKey publicKey, Path privateFile, Path publicFile) {
        try {
            byte[] probe = "infrakit checkpoint key check".getBytes(StandardCharsets.US_ASCII);
            java.security.Signature signer = java.security.Signature.getInstance("SHA256withECDSA");
            signer.initSign(privateKey);
            signer.update(probe);
            byte[] signature = signer.sign();
            java.security.Signature verifier = java.security.Signature.getInstance("SHA256withECDSA");
            verifier.initVerify(publicKey);
            verifier.update(probe);
            if (!verifier.verify(signature)) {
                throw new AuditException("The checkpoint keys " + privateFile + " and " + publicFile + " are not a pair");
            }
        } catch (GeneralSecurityException e) {
            throw new AuditException("Could not check the checkpoint keys " + privateFile + ": " + e.getMessage(), e);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
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
