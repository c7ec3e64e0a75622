package dev.infrakit.test.contract;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.infrakit.backup.BackupKind;
import dev.infrakit.backup.BackupRepository;
import dev.infrakit.backup.Manifest;
import dev.infrakit.backup.SourceInfo;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;

/**
 * Fixtures for {@link BackupRepositoryContract} and for tests of {@link BackupRepository}
 * implementations: backups written and published through the SPI only, RUNNING manifests with a
 * chosen id, bytes and their SHA-256.
 */
public final class BackupFixtures {
    /** What the fixtures' backups record as their source's report. */
    public static final SourceInfo INFO = new SourceInfo("test 1.0", "server 2.0", Map.of("public.t", 3L));

    private BackupFixtures() {
    }

    /**
     * Writes {@code files} as the artifacts of {@code running} (in the map's order), publishes it as
     * COMPLETE one minute after its start, and returns the published manifest.
     */
    public static Manifest publish(BackupRepository repository, Manifest running, Map<String, byte[]> files) {
        try (BackupRepository.Staging staging = repository.begin(running)) {
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                try (OutputStream out = staging.open(file.getKey())) {
                    out.write(file.getValue());
                }
            }
            return staging.publish(running.complete(running.started().plusSeconds(60), staging.artifacts(), INFO));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Like {@link #publish(BackupRepository, Manifest, Map)}, for a new daily backup started at {@code started}. */
    public static Manifest publish(BackupRepository repository, Instant started, Map<String, byte[]> files) {
        return publish(repository, Manifest.start("test:db", BackupKind.DAILY, started), files);
    }

    /** A RUNNING manifest of a daily backup started at {@code started}, with the given id. */
    public static Manifest running(String id, Instant started) {
        try {
            ObjectMapper json = new ObjectMapper();
            ObjectNode root = (ObjectNode) json.readTree(Manifest.start("test:db", BackupKind.DAILY, started).toJson());
            root.put("id", id);
            return Manifest.fromJson(json.writeValueAsString(root));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The UTF-8 bytes of {@code s}. */
    public static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The SHA-256 of {@code content}, lower-case hex, as {@link dev.infrakit.backup.Artifact} records it. */
    public static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
