package dev.infrakit.backup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Everything known about one backup, kept as {@code manifest.json} beside its artifacts: id,
 * source, kind, start and end, status and failure reason, the artifacts with their sizes and
 * SHA-256, tool and server versions, per-table row counts, when the checksums were verified, the
 * last restore drill, and whether it is kept forever. Immutable: changes make a new manifest.
 */
public final class Manifest {
    /** The format version written into every manifest. */
    public static final int FORMAT = 1;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String id;
    private final String source;
    private final BackupKind kind;
    private final Instant started;
    private final Instant ended;
    private final BackupStatus status;
    private final String failure;
    private final List<Artifact> artifacts;
    private final String toolVersion;
    private final String serverVersion;
    private final Map<String, Long> rowCounts;
    private final Instant verifiedAt;
    private final DrillResult drill;
    private final boolean keepForever;
    private final String keyId; // the encryption key of an encrypted backup, or null
    private final String sealed; // as stored by EncryptedBackupRepository: the whole manifest, encrypted

    private Manifest(String id, String source, BackupKind kind, Instant started, Instant ended, BackupStatus status,
            String failure, List<Artifact> artifacts, String toolVersion, String serverVersion,
            Map<String, Long> rowCounts, Instant verifiedAt, DrillResult drill, boolean keepForever, String keyId,
            String sealed) {
        this.id = requireId(id);
        this.source = Objects.requireNonNull(source, "source");
        this.kind = Objects.requireNonNull(kind, "kind");
        this.started = Objects.requireNonNull(started, "started");
        this.ended = ended;
        this.status = Objects.requireNonNull(status, "status");
        this.failure = failure;
        this.artifacts = List.copyOf(artifacts);
        this.toolVersion = toolVersion;
        this.serverVersion = serverVersion;
        this.rowCounts = Map.copyOf(new TreeMap<>(rowCounts));
        this.verifiedAt = verifiedAt;
        this.drill = drill;
        this.keepForever = keepForever;
        this.keyId = keyId;
        this.sealed = sealed;
    }

    /** A new backup of {@code source}, RUNNING since {@code started}, with a fresh id. */
    public static Manifest start(String source, BackupKind kind, Instant started) {
        String id = ID_TIME.format(started) + "-" + Integer.toHexString(0x100000 + RANDOM.nextInt(0xF00000));
        return new Manifest(id, source, kind, started, null, BackupStatus.RUNNING, null, List.of(), null, null,
                Map.of(), null, null, false, null, null);
    }

    /** Checks a backup id: letters, digits and {@code - _ .}, as the ids {@link #start} makes. */
    public static String requireId(String id) {
        if (id == null || !id.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
            throw new IllegalArgumentException("Invalid backup id '" + id + "'");
        }
        return id;
    }

    /** This backup COMPLETE at {@code ended} with its artifacts and what the source reported. */
    public Manifest complete(Instant ended, List<Artifact> artifacts, SourceInfo info) {
        return new Manifest(id, source, kind, started, ended, BackupStatus.COMPLETE, null, artifacts, info.toolVersion(),
                info.serverVersion(), info.rowCounts(), null, null, keepForever, null, null);
    }

    /** This backup FAILED at {@code ended} for {@code reason}. */
    public Manifest failed(Instant ended, String reason) {
        return new Manifest(id, source, kind, started, ended, BackupStatus.FAILED, Objects.requireNonNull(reason, "reason"),
                artifacts, toolVersion, serverVersion, rowCounts, null, drill, keepForever, null, null);
    }

    /** This backup VERIFIED (checksums read back and matched) at {@code at}. */
    public Manifest verified(Instant at) {
        if (status != BackupStatus.COMPLETE && status != BackupStatus.VERIFIED) {
            throw new IllegalStateException("Backup " + id + " is " + status + "; only a complete backup can be verified");
        }
        return new Manifest(id, source, kind, started, ended, BackupStatus.VERIFIED, null, artifacts, toolVersion,
                serverVersion, rowCounts, at, drill, keepForever, null, null);
    }

    /** This backup with the result of a restore drill. */
    public Manifest withDrill(DrillResult result) {
        return new Manifest(id, source, kind, started, ended, status, failure, artifacts, toolVersion, serverVersion,
                rowCounts, verifiedAt, Objects.requireNonNull(result, "result"), keepForever, null, null);
    }

    /** This backup marked (or not) to be kept forever, whatever retention says. */
    public Manifest keepForever(boolean keep) {
        return new Manifest(id, source, kind, started, ended, status, failure, artifacts, toolVersion, serverVersion,
                rowCounts, verifiedAt, drill, keep, null, null);
    }

    /**
     * The form in which {@link EncryptedBackupRepository} stores this manifest: the id, kind, times,
     * status and keep-forever mark in the clear (what retention and an operator need), the stored
     * (encrypted) {@code artifacts}, and everything else only inside {@code sealed}, this whole
     * manifest encrypted under {@code keyId}.
     */
    Manifest stored(List<Artifact> storedArtifacts, String keyId, String sealed) {
        return new Manifest(id, "encrypted", kind, started, ended, status, status == BackupStatus.FAILED
                ? "encrypted: see the sealed manifest" : null, storedArtifacts, null, null, Map.of(), verifiedAt, null,
                keepForever, Objects.requireNonNull(keyId, "keyId"), Objects.requireNonNull(sealed, "sealed"));
    }

    /** The sealed (encrypted) manifest a stored manifest carries, if it is one. */
    Optional<String> sealed() {
        return Optional.ofNullable(sealed);
    }

    /**
     * In a manifest as an {@link EncryptedBackupRepository} stores it (read from the repository
     * underneath), the id of the key the backup is encrypted under; empty otherwise, including in the
     * decrypted manifests the encrypted repository returns.
     */
    public Optional<String> encryptionKeyId() {
        return Optional.ofNullable(keyId);
    }

    /** The backup's id: its UTC start time and a random suffix, e.g. {@code 20261122T030000Z-3fa2c1}. */
    public String id() {
        return id;
    }

    /** The source's name. */
    public String source() {
        return source;
    }

    /** How it was scheduled (a label; retention does not use it). */
    public BackupKind kind() {
        return kind;
    }

    /** When it started. */
    public Instant started() {
        return started;
    }

    /** When it ended, if it has. */
    public Optional<Instant> ended() {
        return Optional.ofNullable(ended);
    }

    /** Its status. */
    public BackupStatus status() {
        return status;
    }

    /** Why it failed, if it did. */
    public Optional<String> failure() {
        return Optional.ofNullable(failure);
    }

    /** Its artifacts. */
    public List<Artifact> artifacts() {
        return artifacts;
    }

    /** One artifact by name. */
    public Optional<Artifact> artifact(String name) {
        return artifacts.stream().filter(a -> a.name().equals(name)).findFirst();
    }

    /** The artifacts' total size in bytes. */
    public long size() {
        return artifacts.stream().mapToLong(Artifact::size).sum();
    }

    /** The dump tool's version. */
    public Optional<String> toolVersion() {
        return Optional.ofNullable(toolVersion);
    }

    /** The server's version. */
    public Optional<String> serverVersion() {
        return Optional.ofNullable(serverVersion);
    }

    /** Rows per table as the dump saw them. */
    public Map<String, Long> rowCounts() {
        return rowCounts;
    }

    /** When the checksums were verified, if they were. */
    public Optional<Instant> verifiedAt() {
        return Optional.ofNullable(verifiedAt);
    }

    /** The last restore drill, if one ran. */
    public Optional<DrillResult> drill() {
        return Optional.ofNullable(drill);
    }

    /** Whether it is kept forever. */
    public boolean isKeptForever() {
        return keepForever;
    }

    /** The manifest as JSON. */
    public String toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("id", id);
        root.put("source", source);
        root.put("kind", kind.name());
        root.put("started", started.toString());
        root.put("ended", ended == null ? null : ended.toString());
        root.put("status", status.name());
        root.put("failure", failure);
        ArrayNode files = root.putArray("artifacts");
        for (Artifact a : artifacts) {
            files.addObject().put("name", a.name()).put("size", a.size()).put("sha256", a.sha256());
        }
        root.put("toolVersion", toolVersion);
        root.put("serverVersion", serverVersion);
        ObjectNode rows = root.putObject("rowCounts");
        rowCounts.forEach(rows::put);
        root.put("verifiedAt", verifiedAt == null ? null : verifiedAt.toString());
        if (drill != null) {
            ObjectNode d = root.putObject("drill").put("at", drill.at().toString()).put("passed", drill.passed())
                    .put("restoreMillis", drill.restoreTime().toMillis()).put("detail", drill.detail());
            drill.recoveredTo().ifPresent(t -> d.put("recoveredTo", t.toString()));
        } else {
            root.putNull("drill");
        }
        root.put("keepForever", keepForever);
        if (keyId != null) {
            ObjectNode encryption = root.putObject("encryption").put("keyId", keyId);
            if (sealed != null) {
                encryption.put("sealed", sealed);
            }
        }
        try {
            return JSON.writeValueAsString(root);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot write manifest " + id, e);
        }
    }

    /**
     * A manifest from its JSON.
     *
     * @throws BackupException if it is not a valid manifest (the message says which field)
     */
    public static Manifest fromJson(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new BackupException("Not a backup manifest: not valid JSON");
        }
        try {
            if (root == null || !root.isObject() || root.path("format").asInt(-1) != FORMAT) {
                throw new BackupException("Not a backup manifest of format " + FORMAT);
            }
            List<Artifact> artifacts = new ArrayList<>();
            for (JsonNode a : root.path("artifacts")) {
                artifacts.add(new Artifact(a.get("name").asText(), a.get("size").asLong(), a.get("sha256").asText()));
            }
            Map<String, Long> rows = new TreeMap<>();
            for (Map.Entry<String, JsonNode> e : root.path("rowCounts").properties()) {
                rows.put(e.getKey(), e.getValue().asLong());
            }
            JsonNode d = root.path("drill");
            DrillResult drill = d.isObject() ? new DrillResult(Instant.parse(d.get("at").asText()), d.get("passed")
                    .asBoolean(), Duration.ofMillis(d.get("restoreMillis").asLong()), d.get("detail").asText(),
                    instant(d, "recoveredTo")) : null;
            return new Manifest(root.get("id").asText(), root.get("source").asText(), BackupKind.valueOf(root.get("kind")
                    .asText()), Instant.parse(root.get("started").asText()), instant(root, "ended"),
                    BackupStatus.valueOf(root.get("status").asText()), text(root, "failure"), artifacts,
                    text(root, "toolVersion"), text(root, "serverVersion"), rows, instant(root, "verifiedAt"), drill,
                    root.path("keepForever").asBoolean(false), text(root.path("encryption"), "keyId"),
                    text(root.path("encryption"), "sealed"));
        } catch (RuntimeException e) {
            if (e instanceof BackupException) {
                throw e;
            }
            throw new BackupException("Not a valid backup manifest: " + e.getClass().getSimpleName() + " "
                    + e.getMessage(), e);
        }
    }

    private static String text(JsonNode root, String field) {
        JsonNode n = root.get(field);
        return n == null || n.isNull() ? null : n.asText();
    }

    private static Instant instant(JsonNode root, String field) {
        String t = text(root, field);
        return t == null ? null : Instant.parse(t);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Manifest && ((Manifest) o).toJson().equals(toJson());
    }

    @Override
    public int hashCode() {
        return id.hashCode();
    }

    @Override
    public String toString() {
        return "Manifest[" + id + ", " + source + ", " + kind + ", " + status + (failure == null ? "" : " (" + failure + ")")
                + ", " + artifacts.size() + " artifacts, " + size() + " bytes]";
    }
}
