package dev.infrakit.audit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointKeysIT {

    @Test
    void createdOnceOwnerOnlyAndReadBack(@TempDir Path dir) throws Exception {
        Path key = dir.resolve("keys").resolve("cp.key");
        Path pub = dir.resolve("cp.pub");
        KeyPair created = CheckpointKeys.loadOrCreate(key, pub);
        FileIntegrityIT.assertOwnerOnly(key, false);
        FileIntegrityIT.assertOwnerOnly(key.getParent(), true);
        assertEquals(created.getPublic(), CheckpointKeys.readPublic(pub));
        KeyPair again = CheckpointKeys.loadOrCreate(key, pub);
        assertEquals(created.getPublic(), again.getPublic());
        assertEquals(created.getPrivate(), again.getPrivate());
        String pubText = Files.readString(pub);
        assertTrue(pubText.startsWith("-----BEGIN PUBLIC KEY-----") && !pubText.contains("PRIVATE"), pubText);
        // The public key file is re-made from the private key file when it was lost.
        Files.delete(pub);
        assertEquals(created.getPublic(), CheckpointKeys.loadOrCreate(key, pub).getPublic());
    }

    @Test
    void processesStartingAtOnceAgreeOnOnePair(@TempDir Path dir) throws Exception {
        Path key = dir.resolve("cp.key");
        Path pub = dir.resolve("cp.pub");
        ExecutorService threads = Executors.newFixedThreadPool(8);
        CyclicBarrier together = new CyclicBarrier(8);
        try {
            List<Future<KeyPair>> pairs = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                pairs.add(threads.submit(() -> {
                    together.await(10, TimeUnit.SECONDS);
                    return CheckpointKeys.loadOrCreate(key, pub);
                }));
            }
            List<KeyPair> results = new ArrayList<>();
            for (Future<KeyPair> f : pairs) {
                results.add(f.get());
            }
            for (KeyPair pair : results) {
                assertEquals(CheckpointKeys.readPublic(pub), pair.getPublic());
            }
        } finally {
            threads.shutdownNow();
        }
        try (var files = Files.list(dir)) {
            assertEquals(2, files.count(), "no temporary file left");
        }
    }

    @Test
    void mismatchedOrHalfMissingPairsAreRefusedWithoutKeyMaterial(@TempDir Path dir) throws Exception {
        Path key = dir.resolve("a.key");
        Path pub = dir.resolve("a.pub");
        CheckpointKeys.loadOrCreate(key, pub);
        Path otherPub = dir.resolve("b.pub");
        CheckpointKeys.loadOrCreate(dir.resolve("b.key"), otherPub);
        Files.copy(otherPub, pub, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        AuditException mismatch = assertThrows(AuditException.class, () -> CheckpointKeys.loadOrCreate(key, pub));
        assertTrue(mismatch.getMessage().contains("does not belong"), mismatch.getMessage());

        Files.delete(key);
        AuditException orphan = assertThrows(AuditException.class, () -> CheckpointKeys.loadOrCreate(key, pub));
        assertTrue(orphan.getMessage().contains("exists without its private key"), orphan.getMessage());

        // An openssl-made key (only the PRIVATE KEY block) works with its public key beside it.
        KeyPair openssl = CheckpointKeys.generate();
        Path bare = dir.resolve("bare.key");
        Files.writeString(bare, "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder().encodeToString(openssl.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n",
                StandardCharsets.US_ASCII);
        AuditException noPublic = assertThrows(AuditException.class,
                () -> CheckpointKeys.loadOrCreate(bare, dir.resolve("bare.pub")));
        assertTrue(noPublic.getMessage().contains("holds no public key"), noPublic.getMessage());
        Files.writeString(dir.resolve("bare.pub"), "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder().encodeToString(openssl.getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----\n");
        assertEquals(openssl.getPublic(), CheckpointKeys.loadOrCreate(bare, dir.resolve("bare.pub")).getPublic());

        Files.writeString(dir.resolve("junk.key"), "not a key");
        AuditException junk = assertThrows(AuditException.class, () -> CheckpointKeys.readPrivate(dir.resolve("junk.key")));
        assertFalse(junk.getMessage().contains("not a key"), "never echoes file content: " + junk.getMessage());
    }
}
