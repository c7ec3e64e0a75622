package dev.infrakit.credentials.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.infrakit.credentials.CredentialIntegrityException;
import dev.infrakit.credentials.KeyRingMac;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The JSON form of credential records on disk. A file of the directory layout is one record with a
 * {@code format} field; the single file is {@code {"format": 2, "credentials": [record, ...]}}. A
 * record is its name, created, updated, currentVersion, maxVersions, custom metadata and versions
 * (number, created, deleted, destroyed, data: the version's JWE, or null once destroyed).
 *
 * <p>Format 2 adds, to each record, the id of the store it belongs to ({@code store}), the number
 * of the write that wrote it ({@code seq}) and an HMAC ({@code mac}, under master key
 * {@code macKey}, see {@link KeyRingMac}) over all of it: every clear field (times, the deleted and
 * destroyed flags, custom metadata, the versions held) is authenticated, not only the values.
 * Format 1 records (no MAC) are still read, marked {@linkplain Stored#legacy legacy}, so that a
 * store written by an older version can be upgraded; {@link FileEngine} refuses them otherwise.
 *
 * <p>Decoding checks every field, so a file that is not a record fails here, naming the file and the
 * field, rather than later with a {@code NullPointerException}. Messages quote field names, never
 * field contents (the files hold only ciphertext, but there is no reason to echo it).
 */
final class RecordCodec {
    /** The format version written. */
    static final int FORMAT = 2;
    /** The format before records were authenticated: read only to upgrade a store. */
    static final int LEGACY_FORMAT = 1;

    /** Strict reading (duplicate keys, trailing tokens refused); shared with {@link StoreManifest}. */
    static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private RecordCodec() {
    }

    /**
     * A record as read from a file: the record, the store it says it belongs to and the write that
     * wrote it (both null / 0 for a legacy record), and whether it is a legacy (format 1,
     * unauthenticated) record.
     */
    static final class Stored {
        final CredentialRecord<String> record;
        final String store;
        final long seq;
        final boolean legacy;
        /** The master key id of the record's MAC; null for a record not yet written, or a legacy one. */
        final String macKey;

        Stored(CredentialRecord<String> record, String store, long seq, boolean legacy, String macKey) {
            this.record = record;
            this.store = store;
            this.seq = seq;
            this.legacy = legacy;
            this.macKey = macKey;
        }

        /** {@code record} as written by write {@code seq} of store {@code store}. */
        static Stored of(CredentialRecord<String> record, String store, long seq) {
            return new Stored(record, store, seq, false, null);
        }

        String name() {
            return record.name();
        }

        @Override
        public String toString() {
            return "Stored[" + record + (legacy ? ", legacy" : ", write " + seq) + "]";
        }
    }

    /** One record as a file of the directory layout. */
    static byte[] encodeRecord(Stored record, KeyRingMac mac) {
        return write(g -> {
            g.writeStartObject();
            g.writeNumberField("format", FORMAT);
            writeAuthenticated(g, record, mac);
            g.writeEndObject();
        }, true);
    }

    /** Every record as the single file. */
    static byte[] encodeAll(Collection<Stored> records, KeyRingMac mac) {
        return write(g -> {
            g.writeStartObject();
            g.writeNumberField("format", FORMAT);
            g.writeArrayFieldStart("credentials");
            for (Stored r : records) {
                g.writeStartObject();
                writeAuthenticated(g, r, mac);
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }, true);
    }

    private static void writeAuthenticated(JsonGenerator g, Stored r, KeyRingMac mac) throws IOException {
        if (r.legacy) {
            throw new IllegalStateException("A legacy record is never written back unauthenticated: " + r);
        }
        String keyId = mac.primaryId();
        g.writeStringField("store", r.store);
        g.writeNumberField("seq", r.seq);
        writeFields(g, r.record);
        g.writeStringField("macKey", keyId);
        g.writeStringField("mac", mac.sign(authenticated(r.record, r.store, r.seq, keyId)));
    }

    /** What a record's MAC covers: everything in it but the MAC itself, in one canonical form. */
    private static byte[] authenticated(CredentialRecord<String> record, String store, long seq, String keyId) {
        return write(g -> {
            g.writeStartObject();
            g.writeStringField("kind", "infrakit credential record");
            g.writeNumberField("format", FORMAT);
            g.writeStringField("store", store);
            g.writeNumberField("seq", seq);
            writeFields(g, record);
            g.writeStringField("macKey", keyId);
            g.writeEndObject();
        }, false);
    }

    /**
     * A file of the directory layout.
     *
     * @throws CredentialIntegrityException naming the file, if it is not valid JSON or not a record
     */
    static Stored decodeRecord(byte[] content, Path file, KeyRingMac mac) {
        JsonNode root = parse(content, file);
        return readStored(new Field(file, ""), root, root.get("format").intValue(), mac);
    }

    /**
     * The single file.
     *
     * @throws CredentialIntegrityException naming the file, if it is not valid JSON, not a
     *     credentials file, or names a credential twice
     */
    static List<Stored> decodeAll(byte[] content, Path file, KeyRingMac mac) {
        JsonNode root = parse(content, file);
        int format = root.get("format").intValue();
        Field top = new Field(file, "");
        JsonNode array = top.child("credentials").require(root.get("credentials"), JsonNode::isArray, "an array");
        List<Stored> records = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < array.size(); i++) {
            Field at = top.child("credentials[" + i + "]");
            Stored record = readStored(at, at.require(array.get(i), JsonNode::isObject, "an object"), format, mac);
            if (!names.add(record.name())) {
                throw at.child("name").invalid("names credential '" + record.name() + "' a second time");
            }
            records.add(record);
        }
        return records;
    }

    private static JsonNode parse(byte[] content, Path file) {
        if (content.length == 0) {
            throw new CredentialIntegrityException("Credential file " + file + " is not a credential record: it is empty");
        }
        JsonNode root;
        try {
            root = JSON.readTree(content);
        } catch (JsonProcessingException e) {
            throw new CredentialIntegrityException("Credential file " + file + " is not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column "
                            + e.getLocation().getColumnNr() + ")"));
        } catch (IOException e) {
            throw new UncheckedIOException(e); // Reading from a byte array does no I/O.
        }
        Field top = new Field(file, "");
        top.require(root, JsonNode::isObject, "a JSON object");
        JsonNode format = root.get("format");
        if (format == null || !format.isInt()) {
            throw new CredentialIntegrityException("Credential file " + file
                    + " is not a credential record: it has no integer 'format' field");
        }
        if (format.intValue() != FORMAT && format.intValue() != LEGACY_FORMAT) {
            throw new CredentialIntegrityException("Credential file " + file + " has format " + format.intValue()
                    + "; this version of Infrakit reads formats " + LEGACY_FORMAT + " and " + FORMAT);
        }
        return root;
    }

    private static Stored readStored(Field at, JsonNode node, int format, KeyRingMac mac) {
        CredentialRecord<String> record = readRecordFields(at, node);
        if (format == LEGACY_FORMAT) {
            for (String field : List.of("store", "seq", "macKey", "mac")) {
                if (node.has(field)) {
                    throw at.child(field).invalid("is not a field of a format " + LEGACY_FORMAT + " record");
                }
            }
            return new Stored(record, null, 0, true, null);
        }
        String store = at.child("store").text(node.get("store"));
        JsonNode seqNode = at.child("seq").require(node.get("seq"), n -> n.isIntegralNumber() && n.canConvertToLong()
                && n.longValue() > 0, "a positive write number");
        long seq = seqNode.longValue();
        String keyId = at.child("macKey").text(node.get("macKey"));
        String tag = at.child("mac").text(node.get("mac"));
        String what = "Credential file " + at.file + (at.path.isEmpty() ? "" : " ('" + at.path + "')");
        if (!mac.verify(keyId, authenticated(record, store, seq, keyId), tag, what)) {
            throw new CredentialIntegrityException(what + " failed its authentication check: the record of credential '"
                    + record.name() + "' was modified (its metadata, versions or write number), or written with "
                    + "another master key");
        }
        return new Stored(record, store, seq, false, keyId);
    }

    private static CredentialRecord<String> readRecordFields(Field at, JsonNode node) {
        String name = at.child("name").text(node.get("name"));
        try {
            Names.requireValid(name);
        } catch (IllegalArgumentException e) {
            throw at.child("name").invalid("is not a valid credential name");
        }
        Instant created = at.child("created").instant(node.get("created"));
        Instant updated = at.child("updated").instant(node.get("updated"));
        int current = at.child("currentVersion").integer(node.get("currentVersion"), 1, Integer.MAX_VALUE);
        int maxVersions = at.child("maxVersions").integer(node.get("maxVersions"), 0, CredentialRecord.MAX_VERSIONS_LIMIT);

        Field customAt = at.child("custom");
        JsonNode customNode = customAt.require(node.get("custom"), JsonNode::isObject, "an object");
        Map<String, String> custom = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : customNode.properties()) {
            custom.put(e.getKey(), customAt.child(e.getKey()).text(e.getValue()));
        }
        try {
            custom = CredentialRecord.validCustom(custom);
        } catch (IllegalArgumentException e) {
            throw customAt.invalid("is not valid custom metadata (" + e.getMessage() + ")");
        }

        Field versionsAt = at.child("versions");
        JsonNode array = versionsAt.require(node.get("versions"), JsonNode::isArray, "an array");
        if (array.isEmpty()) {
            throw versionsAt.invalid("is empty (a credential holds at least one version)");
        }
        List<CredentialRecord.Version<String>> versions = new ArrayList<>();
        int previous = 0;
        for (int i = 0; i < array.size(); i++) {
            Field v = versionsAt.child("[" + i + "]");
            JsonNode vn = v.require(array.get(i), JsonNode::isObject, "an object");
            int number = v.child("number").integer(vn.get("number"), previous + 1, current);
            Instant vCreated = v.child("created").instant(vn.get("created"));
            JsonNode deletedNode = vn.get("deleted");
            Instant deleted = deletedNode == null || deletedNode.isNull() ? null : v.child("deleted").instant(deletedNode);
            boolean destroyed = v.child("destroyed").require(vn.get("destroyed"), JsonNode::isBoolean, "true or false")
                    .booleanValue();
            JsonNode data = vn.get("data");
            String payload;
            if (destroyed) {
                if (data != null && !data.isNull()) {
                    throw v.child("data").invalid("is present on a destroyed version");
                }
                payload = null;
            } else {
                payload = v.child("data").text(data);
            }
            versions.add(new CredentialRecord.Version<>(number, vCreated, deleted, destroyed, payload));
            previous = number;
        }
        return new CredentialRecord<>(name, created, updated, current, maxVersions, custom, versions);
    }

    /** Where in which file a field is, for messages. */
    private static final class Field {
        private final Path file;
        private final String path;

        Field(Path file, String path) {
            this.file = file;
            this.path = path;
        }

        Field child(String name) {
            return new Field(file, path.isEmpty() ? name : name.startsWith("[") ? path + name : path + "." + name);
        }

        CredentialIntegrityException invalid(String problem) {
            return new CredentialIntegrityException("Credential file " + file + " is not a valid credential record: "
                    + (path.isEmpty() ? "the document" : "'" + path + "'") + " " + problem);
        }

        JsonNode require(JsonNode node, java.util.function.Predicate<JsonNode> test, String expected) {
            if (node == null || node.isMissingNode()) {
                throw invalid("is missing");
            }
            if (!test.test(node)) {
                throw invalid("is not " + expected);
            }
            return node;
        }

        String text(JsonNode node) {
            return require(node, JsonNode::isTextual, "a string").textValue();
        }

        int integer(JsonNode node, int min, int max) {
            int value = require(node, JsonNode::isInt, "an integer").intValue();
            if (value < min || value > max) {
                throw invalid("is " + value + ", expected " + min + " to " + max);
            }
            return value;
        }

        Instant instant(JsonNode node) {
            String text = require(node, JsonNode::isTextual, "a timestamp").textValue();
            try {
                return Instant.parse(text);
            } catch (DateTimeParseException e) {
                throw invalid("is not an ISO-8601 timestamp");
            }
        }
    }

    /** Writes one JSON value to a generator. */
    @FunctionalInterface
    interface Writer {
        void write(JsonGenerator g) throws IOException;
    }

    /** {@code writer}'s JSON, compact or pretty-printed with a final newline. */
    static byte[] write(Writer writer, boolean pretty) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            if (pretty) {
                g.useDefaultPrettyPrinter();
            }
            writer.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // Writing to a byte array does no I/O.
        }
        if (pretty) {
            out.write('\n');
        }
        return out.toByteArray();
    }

    private static void writeFields(JsonGenerator g, CredentialRecord<String> r) throws IOException {
        g.writeStringField("name", r.name());
        g.writeStringField("created", r.created().toString());
        g.writeStringField("updated", r.updated().toString());
        g.writeNumberField("currentVersion", r.currentVersion());
        g.writeNumberField("maxVersions", r.maxVersions());
        g.writeObjectFieldStart("custom");
        for (Map.Entry<String, String> e : new java.util.TreeMap<>(r.custom()).entrySet()) {
            g.writeStringField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
        g.writeArrayFieldStart("versions");
        for (CredentialRecord.Version<String> v : r.versions()) {
            g.writeStartObject();
            g.writeNumberField("number", v.number());
            g.writeStringField("created", v.created().toString());
            if (v.deleted() == null) {
                g.writeNullField("deleted");
            } else {
                g.writeStringField("deleted", v.deleted().toString());
            }
            g.writeBooleanField("destroyed", v.destroyed());
            if (v.payload() == null) {
                g.writeNullField("data");
            } else {
                g.writeStringField("data", v.payload());
            }
            g.writeEndObject();
        }
        g.writeEndArray();
    }
}
