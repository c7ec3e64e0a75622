package dev.infrakit.examples.springboot;

import dev.infrakit.auth.JwkSet;
import dev.infrakit.auth.JwsAlgorithm;
import dev.infrakit.auth.SigningKey;
import dev.infrakit.credentials.MasterKey;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.LinkOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;

/**
 * The example's secrets, generated on first start into its data directory (nothing secret is in the
 * repository): {@code master.key} (the credential store's), {@code audit.key} (the audit chain's MAC
 * key), {@code token-signing-key.jwk} (ES256, private) and {@code jwks.json} (its public key, which
 * {@code infrakit.auth.jwks-file} names). The secret files are owner-only (mode 600) and created
 * exclusively: an existing file is never overwritten, a symbolic link never followed.
 */
final class DataDirectory {
    private DataDirectory() {
    }

    /** Creates what is missing and answers the token signing key. */
    static synchronized SigningKey prepare(Path dir) {
        try {
            Files.createDirectories(dir);
            if (Files.notExists(dir.resolve("master.key"))) {
                MasterKey.generateToFile(dir.resolve("master.key"));
            }
            byte[] auditKey = new byte[32];
            new SecureRandom().nextBytes(auditKey);
            writeSecretOnce(dir.resolve("audit.key"), Base64.getEncoder().encodeToString(auditKey));
            Path signing = dir.resolve("token-signing-key.jwk");
            writeSecretOnce(signing, SigningKey.generate(JwsAlgorithm.ES256, "example-1").toJwk());
            SigningKey key = SigningKey.fromJwk(Files.readString(signing));
            Files.writeString(dir.resolve("jwks.json"), JwkSet.of(List.of(key.verificationKey())).toJson());
            return key;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot prepare the data directory " + dir, e);
        }
    }

    /**
     * Writes a secret file unless one is there: written whole into a temporary owner-only file, then
     * hard-linked into place, which fails if another process got there first (its file is kept),
     * so no one ever reads a half-written key. A symbolic link at the path is refused, not followed.
     */
    private static void writeSecretOnce(Path file, String content) throws IOException {
        if (Files.isSymbolicLink(file)) {
            throw new IllegalStateException("Refusing " + file + ": it is a symbolic link; remove it or use "
                    + "another --example.data-dir");
        }
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Path temp = Files.createTempFile(file.getParent(), ".new-", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.writeString(temp, content, StandardCharsets.UTF_8);
            Files.createLink(file, temp);
        } catch (FileAlreadyExistsException e) {
            // Another process created it between the check and the link: its key is the one.
        } finally {
            Files.delete(temp);
        }
    }
}
