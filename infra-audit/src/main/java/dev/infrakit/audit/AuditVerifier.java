package dev.infrakit.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import javax.crypto.Mac;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * Checks the MAC chain of a set of audit log files written by {@link JsonLinesAuditSink}.
 *
 * <p>Files are read oldest first ({@code audit.log.N} … {@code audit.log.1}, {@code audit.log}).
 * Every file must start with a link record carrying the MAC of the record before it; every record
 * must carry the next sequence number and a MAC equal to HMAC-SHA256(key, previous MAC ‖ body).
 * The first record of the oldest file kept is the trust anchor: files removed by retention cannot
 * be checked, but everything after them is.
 *
 * <p>The result names the first bad record and why: {@code MODIFIED} (MAC mismatch),
 * {@code MISSING} (a gap in the sequence: records removed), {@code REORDERED} (a sequence number
 * going back), {@code MALFORMED} (not a record: a line damaged or split), {@code BROKEN_LINK} (a
 * file does not continue its predecessor). A tail cut off cleanly at a line boundary cannot be seen
 * from the chain alone; compare {@link Result#lastSequence()} with a checkpoint kept elsewhere.
 */
public final class AuditVerifier {
    private static final ObjectMapper JSON = new ObjectMapper();

    private AuditVerifier() {
    }

    /** Why verification failed. */
    public enum Problem {
        /** A record's MAC does not match its content. */
        MODIFIED,
        /** Sequence numbers skip: records were removed. */
        MISSING,
        /** A sequence number goes back: records were moved or duplicated. */
        REORDERED,
        /** A line is not a well-formed record. */
        MALFORMED,
        /** A file does not start by linking to the previous file's last record. */
        BROKEN_LINK,
        /** A signed checkpoint names a record beyond the end of the log: its tail was cut off. */
        TRUNCATED,
        /** A checkpoint's signature does not verify with the public key. */
        BAD_SIGNATURE
    }

    /**
     * The outcome of a verification.
     *
     * @param ok whether every record checked out
     * @param recordsChecked records verified before the first problem (all of them when ok)
     * @param lastSequence the sequence number of the last good record (0 if none)
     * @param firstBadSequence the sequence number of the first bad record, when not ok
     * @param problem what was wrong, when not ok
     * @param detail where and what, when not ok (file and line; never record contents)
     * @param chains the chains verified when ok: 1 for a set of files, one per writer for the
     *     PostgreSQL table (0 when it is empty); 0 when not ok
     */
    public record Result(boolean ok, long recordsChecked, long lastSequence, OptionalLong firstBadSequence,
                         Problem problem, String detail, int chains) {
        @Override
        public String toString() {
            return ok ? "OK: " + recordsChecked + " records in " + chains + (chains == 1 ? " chain" : " chains")
                    + ", last sequence " + lastSequence
                    : "BAD at sequence " + firstBadSequence.orElse(-1) + ": " + problem + " (" + detail + ")";
        }
    }

    /**
     * Verifies the files named {@code base} ({@code audit.log} or {@code security.log}) in
     * {@code directory} with the chain key.
     *
     * @throws AuditException if the files cannot be read
     */
    public static Result verifyFiles(Path directory, String base, byte[] key) {
        return verify(directory, base, key, new java.util.TreeMap<>(), 0);
    }

    /**
     * As {@link #verifyFiles(Path, String, byte[])}, and also checks the signed checkpoints in
     * {@code security.log} with {@code checkpointKey}: every signature must verify
     * ({@code BAD_SIGNATURE}), and the newest checkpoint's record must be in the log with the MAC it
     * names ({@code TRUNCATED} when the log ends before it, {@code MODIFIED} when it differs).
     */
    public static Result verifyFiles(Path directory, String base, byte[] key,
                                     java.security.interfaces.ECPublicKey checkpointKey) {
        return verifyFiles(directory, base, key, checkpointKey, new CheckpointStore[0]);
    }

    /**
     * As {@link #verifyFiles(Path, String, byte[], java.security.interfaces.ECPublicKey)}, also
     * reading the copies of the checkpoints kept in PostgreSQL
     * ({@link JsonLinesAuditSink.Builder#checkpointMirror}).
     */
    public static Result verifyFiles(Path directory, String base, byte[] key,
                                     java.security.interfaces.ECPublicKey checkpointKey, javax.sql.DataSource mirror) {
        return verifyFiles(directory, base, key, checkpointKey,
                CheckpointStore.postgres(mirror, directory.toAbsolutePath().toString()));
    }

    /**
     * As {@link #verifyFiles(Path, String, byte[], java.security.interfaces.ECPublicKey)}, also
     * reading the checkpoints kept in {@code stores} ({@link JsonLinesAuditSink.Builder#checkpointStore}),
     * away from the logs: a log cut together with the checkpoints in its own {@code security.log},
     * or deleted whole, is then reported too. Only the public key is needed.
     *
     * @throws AuditException if the files or a store cannot be read
     */
    public static Result verifyFiles(Path directory, String base, byte[] key,
                                     java.security.interfaces.ECPublicKey checkpointKey, CheckpointStore... stores) {
        Objects.requireNonNull(checkpointKey, "checkpointKey");
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(base, "base");
        java.util.TreeMap<Long, byte[]> signed = new java.util.TreeMap<>();
        long retainedClaim = 0;
        for (CheckpointStore store : stores) {
            for (String jws : store.load()) {
                java.util.Map<String, Object> claims = Checkpoints.verify(checkpointKey, jws);
                Checkpoints.ChainState state = claims == null ? null : Checkpoints.stateOf(claims, base);
                if (state == null) {
                    return bad(0, 0, 0, Problem.BAD_SIGNATURE, "a checkpoint in " + store.name() + " does not verify");
                }
                signed.putIfAbsent(state.seq(), state.mac());
                retainedClaim = Math.max(retainedClaim, state.retained());
            }
        }
        for (Path file : files(directory, "security.log")) {
            List<String> lines;
            try {
                lines = lines(Files.readAllBytes(file));
            } catch (IOException e) {
                throw new AuditException("Cannot read " + file + ": " + e.getMessage(), e);
            }
            for (String line : lines) {
                JsonNode node = parse(Chain.body(line));
                if (node == null || !node.has("checkpoint")) {
                    continue;
                }
                java.util.Map<String, Object> claims = Checkpoints.verify(checkpointKey, node.get("checkpoint").asText());
                Checkpoints.ChainState state = claims == null ? null : Checkpoints.stateOf(claims, base);
                if (state == null) {
                    return bad(0, 0, node.path("seq").asLong(), Problem.BAD_SIGNATURE,
                            file.getFileName() + " holds a checkpoint whose signature does not verify");
                }
                signed.putIfAbsent(state.seq(), state.mac());
                retainedClaim = Math.max(retainedClaim, state.retained());
            }
        }
        return verify(directory, base, key, signed, retainedClaim);
    }

    /**
     * Verifies every writer's chain in the {@code infrakit_audit} table written by
     * {@link PostgresAuditSink}: sequences from 1 without gaps, each stored body matching its MAC,
     * and every column that copies a field of the body (time at microsecond precision, category,
     * type, severity, actor, action, resource, outcome) equal to that field; a changed row is
     * MODIFIED at its sequence. The detail of a failure names the writer and the column, never a
     * value.
     *
     * @throws AuditException if the table cannot be read
     */
    public static Result verifyTable(javax.sql.DataSource dataSource, byte[] key) {
        return verifyTable(dataSource, key, null);
    }

    /**
     * As {@link #verifyTable(javax.sql.DataSource, byte[])}, and also checks the signed checkpoints
     * in {@code infrakit_audit_checkpoint}: each signature must verify with {@code checkpointKey}
     * ({@code BAD_SIGNATURE}), every checkpoint's row must still carry the MAC it names
     * ({@code MODIFIED}: this also catches rows re-MACed with the chain key), and each writer's rows
     * must reach its newest checkpoint ({@code TRUNCATED} when they end before it, also when all of
     * a writer's rows were deleted).
     */
    public static Result verifyTable(javax.sql.DataSource dataSource, byte[] key,
                                     java.security.interfaces.ECPublicKey checkpointKey) {
        return TableVerifier.verify(dataSource, key, checkpointKey);
    }

    private static List<Path> files(Path directory, String base) {
        try {
            return LogFiles.chainOrder(directory, base);
        } catch (IOException e) {
            throw new AuditException("Cannot list " + directory + ": " + e.getMessage(), e);
        }
    }

    /**
     * Walks the chain across every file oldest first.
     *
     * @param checkpoints the MAC each verified checkpoint names for a sequence number of this chain
     * @param checkpointRetained the highest first-retained sequence number the checkpoints name (0: none)
     */
    private static Result verify(Path directory, String base, byte[] key, java.util.NavigableMap<Long, byte[]> checkpoints,
                                 long checkpointRetained) {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(base, "base");
        List<Path> files = files(directory, base);
        long checkpointSeq = checkpoints.isEmpty() ? -1 : checkpoints.lastKey();
        // What retention kept, as the link records (and checkpoints) claim: everything from there on
        // must be present. The claim only grows, so the largest one is the newest.
        long claim = checkpointRetained;
        for (Path file : files) {
            try {
                JsonNode first = LogFiles.firstRecord(file);
                if (first != null && first.has("retained")) {
                    claim = Math.max(claim, first.get("retained").asLong());
                }
            } catch (IOException e) {
                throw new AuditException("Cannot read " + file + ": " + e.getMessage(), e);
            }
        }
        if (files.isEmpty()) {
            long from = Math.max(1, claim);
            return bad(0, 0, from, checkpointSeq >= from ? Problem.TRUNCATED : Problem.MISSING,
                    "there is no " + base + " in " + directory + " (deleted, or never written there)");
        }
        Mac hmac = Chain.hmac(key);
        byte[] previousMac = null;
        long expected = -1;
        long checked = 0;
        long last = 0;
        for (Path file : files) {
            List<String> lines;
            boolean torn;
            try {
                byte[] bytes = Files.readAllBytes(file);
                torn = bytes.length > 0 && bytes[bytes.length - 1] != '\n';
                lines = lines(bytes);
            } catch (IOException e) {
                throw new AuditException("Cannot read " + file + ": " + e.getMessage(), e);
            }
            if (lines.isEmpty()) {
                long from = expected > 0 ? expected : Math.max(1, claim);
                return bad(checked, last, from, Problem.MISSING, file.getFileName() + " is empty");
            }
            for (int n = 0; n < lines.size(); n++) {
                String line = lines.get(n);
                String where = file.getFileName() + " line " + (n + 1);
                long badSeq = expected < 0 ? Math.max(1, claim) : expected;
                if (n == lines.size() - 1 && torn) {
                    return bad(checked, last, badSeq, Problem.MALFORMED, where + " is torn (no final newline)");
                }
                String body = Chain.body(line);
                byte[] mac = Chain.macOf(line);
                JsonNode node = parse(body);
                if (body == null || mac == null || node == null || !node.has("seq")
                        || !(node.has("event") || node.has("link") || node.has("checkpoint"))) {
                    return bad(checked, last, badSeq, Problem.MALFORMED, where + " is not a record");
                }
                long seq = node.get("seq").asLong();
                if (n == 0 && !node.has("link")) {
                    return bad(checked, last, expected < 0 ? seq : expected, Problem.BROKEN_LINK,
                            where + " should link to the previous file");
                }
                if (expected < 0) {
                    if (claim > 0 && seq > claim) {
                        return bad(0, 0, claim, Problem.MISSING, "records " + claim + " to " + (seq - 1)
                                + " are missing: retention kept them, yet the oldest file there is ("
                                + file.getFileName() + ") starts at " + seq);
                    }
                    byte[] anchor;
                    try {
                        anchor = Base64.getDecoder().decode(node.get("link").asText());
                    } catch (IllegalArgumentException e) {
                        return bad(checked, last, seq, Problem.MALFORMED, where + " has a bad link");
                    }
                    previousMac = anchor;
                    expected = seq;
                }
                if (seq > expected) {
                    return bad(checked, last, expected, Problem.MISSING, where + " has sequence " + seq + ", expected "
                            + expected);
                }
                if (seq < expected) {
                    return bad(checked, last, expected, Problem.REORDERED, where + " has sequence " + seq + ", expected "
                            + expected);
                }
                if (node.has("link") && n == 0 && checked > 0) {
                    byte[] link;
                    try {
                        link = Base64.getDecoder().decode(node.get("link").asText());
                    } catch (IllegalArgumentException e) {
                        return bad(checked, last, seq, Problem.MALFORMED, where + " has a bad link");
                    }
                    if (!MessageDigest.isEqual(link, previousMac)) {
                        return bad(checked, last, seq, Problem.BROKEN_LINK, where + " does not continue the previous file");
                    }
                }
                byte[] computed = Chain.mac(hmac, previousMac, body);
                if (!MessageDigest.isEqual(computed, mac)) {
                    return bad(checked, last, seq, Problem.MODIFIED, where + " does not match its MAC");
                }
                byte[] signedMac = checkpoints.get(seq);
                if (signedMac != null && !MessageDigest.isEqual(mac, signedMac)) {
                    // Only a chain rewritten with the MAC key gets here: the first checkpoint after
                    // the rewrite is as close as the evidence goes.
                    return bad(checked, last, seq, Problem.MODIFIED, where + " differs from the signed checkpoint "
                            + "(the records up to it were rewritten with the MAC key)");
                }
                previousMac = mac;
                last = seq;
                expected = seq + 1;
                checked++;
            }
        }
        if (checkpointSeq > last) {
            return bad(checked, last, last + 1, Problem.TRUNCATED, "the log ends at sequence " + last
                    + " but a signed checkpoint names sequence " + checkpointSeq);
        }
        if (!Files.exists(directory.resolve(base)) && !Files.exists(LogFiles.rotating(directory, base))) {
            return bad(checked, last, last + 1, Problem.MISSING, base + " itself is missing (the current file)");
        }
        return new Result(true, checked, last, OptionalLong.empty(), null, "", 1);
    }

    /**
     * The lines of a file; bytes that are not UTF-8 become U+FFFD, so a damaged line can never
     * match its MAC. A last line without a newline (a torn write) is kept, to be reported.
     */
    private static List<String> lines(byte[] bytes) {
        List<String> lines = new ArrayList<>();
        java.nio.charset.CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(java.nio.charset.CodingErrorAction.REPLACE)
                .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPLACE);
        int start = 0;
        for (int i = 0; i <= bytes.length; i++) {
            if (i == bytes.length || bytes[i] == '\n') {
                if (i > start || i < bytes.length) {
                    try {
                        lines.add(decoder.decode(java.nio.ByteBuffer.wrap(bytes, start, i - start)).toString());
                    } catch (java.nio.charset.CharacterCodingException e) {
                        throw new IllegalStateException("A replacing decoder cannot fail", e);
                    }
                }
                start = i + 1;
            }
        }
        return lines;
    }

    static JsonNode parse(String body) {
        if (body == null) {
            return null;
        }
        try {
            JsonNode node = JSON.readTree(body);
            return node != null && node.isObject() ? node : null;
        } catch (IOException e) {
            return null;
        }
    }

    static Result bad(long checked, long last, long seq, Problem problem, String detail) {
        return new Result(false, checked, last, OptionalLong.of(seq), problem, detail, 0);
    }
}
