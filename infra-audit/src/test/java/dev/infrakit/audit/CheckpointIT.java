package dev.infrakit.audit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.List;

import static dev.infrakit.audit.AuditFixtures.KEY;
import static dev.infrakit.audit.AuditFixtures.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Signed checkpoints make a clean cut of the tail, invisible to the chain, detectable. */
class CheckpointIT {

    private static KeyPair p256() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static void write(Path dir, KeyPair keys, int events) {
        try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(dir, KEY)
                .checkpoints((ECPrivateKey) keys.getPrivate(), Duration.ofMillis(1)).build()) {
            for (int n = 0; n < events; n++) {
                sink.record(event(n, n % 4 == 0 ? AuditEvent.Severity.WARN : AuditEvent.Severity.INFO));
            }
        }
    }

    @Test
    void aCleanCutOfTheTailIsDetected(@TempDir Path dir) throws Exception {
        KeyPair keys = p256();
        write(dir, keys, 40);
        ECPublicKey pub = (ECPublicKey) keys.getPublic();
        AuditVerifier.Result ok = AuditVerifier.verifyFiles(dir, "audit.log", KEY, pub);
        assertTrue(ok.ok(), ok.toString());
        assertTrue(Files.readString(dir.resolve("security.log")).contains("\"checkpoint\":\""));
        assertTrue(AuditVerifier.verifyFiles(dir, "security.log", KEY, pub).ok());

        List<String> lines = Files.readAllLines(dir.resolve("audit.log"), StandardCharsets.UTF_8);
        Files.write(dir.resolve("audit.log"), lines.subList(0, lines.size() - 3), StandardCharsets.UTF_8);
        assertTrue(AuditVerifier.verifyFiles(dir, "audit.log", KEY).ok(), "the chain alone cannot see a clean cut");
        AuditVerifier.Result cut = AuditVerifier.verifyFiles(dir, "audit.log", KEY, pub);
        assertFalse(cut.ok());
        assertEquals(AuditVerifier.Problem.TRUNCATED, cut.problem());
        assertEquals(lines.size() - 2, cut.firstBadSequence().orElseThrow());
    }

    @Test
    void theProviderSignsCheckpointsWithAPemKey(@TempDir Path dir) throws Exception {
        KeyPair keys = p256();
        String pem = "-----BEGIN PRIVATE KEY-----\n" + java.util.Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(keys.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n";
        Path pemFile = Files.writeString(dir.resolve("checkpoint.pem"), pem);
        Path logs = dir.resolve("logs");
        try (AuditSink sink = dev.infrakit.core.Providers.load(AuditSinkProvider.class, dev.infrakit.core.Config.of(
                java.util.Map.of("infrakit.audit.sink", "jsonl", "infrakit.audit.dir", logs.toString(),
                        "infrakit.audit.key", java.util.Base64.getEncoder().encodeToString(KEY),
                        "infrakit.audit.checkpoint.key-file", pemFile.toString(),
                        "infrakit.audit.checkpoint.interval", "10ms")))) {
            for (int n = 0; n < 5; n++) {
                sink.record(event(n, AuditEvent.Severity.INFO));
            }
        }
        assertTrue(Files.readString(logs.resolve("security.log")).contains("\"checkpoint\":\""));
        assertTrue(AuditVerifier.verifyFiles(logs, "audit.log", KEY, (ECPublicKey) keys.getPublic()).ok());
        Path bad = Files.writeString(dir.resolve("bad.pem"), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        dev.infrakit.core.ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(
                dev.infrakit.core.ConfigException.class, () -> dev.infrakit.core.Providers.load(AuditSinkProvider.class,
                        dev.infrakit.core.Config.of(java.util.Map.of("infrakit.audit.sink", "jsonl",
                                "infrakit.audit.dir", logs.toString(),
                                "infrakit.audit.key", java.util.Base64.getEncoder().encodeToString(KEY),
                                "infrakit.audit.checkpoint.key-file", bad.toString()))));
        assertEquals("infrakit.audit.checkpoint.key-file", e.key());
    }

    @Test
    void aCheckpointSignedWithAnotherKeyIsRejected(@TempDir Path dir) throws Exception {
        KeyPair mine = p256();
        KeyPair forger = p256();
        write(dir, forger, 10);
        AuditVerifier.Result result = AuditVerifier.verifyFiles(dir, "audit.log", KEY, (ECPublicKey) mine.getPublic());
        assertFalse(result.ok());
        assertEquals(AuditVerifier.Problem.BAD_SIGNATURE, result.problem());
    }
}
