package dev.infrakit.credentials.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.infrakit.credentials.CredentialIntegrityException;

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
 * {@code format} field; the single file is {@code {"format": 1, "credentials": [record, ...]}}. A
 * record is its name, created, updated, currentVersion, maxVersions, custom metadata and versions
 * (number, created, deleted, destroyed, data: the version's JWE, or null once destroyed).
 *
 * <p>Decoding checks every field, so a file that is not a record fails here, naming the file and the
 * field, rather than later with a {@code NullPointerException}. Messages quote field names, never
 * field contents (the files hold only ciphertext, but there is no reason to echo it).
 */
final class RecordCodec {
    /** The format version written; files of any other format are refused. */
    static final int FORMAT = 1;

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private RecordCodec() {
    }

    /** One record as a file of the directory layout. */
    static byte[] encodeRecord(CredentialRecord<String> record) {
        return write(g -> {
            g.writeStartObject();
            g.writeNumberField("format", FORMAT);
            writeFields(g, record);
            g.writeEndObject();
        });
    }

    /** Every record as the single file. */
    static byte[] encodeAll(Collection<CredentialRecord<String>> records) {
        return write(g -> {
            g.writeStartObject();
            g.writeNumberField("format", FORMAT);
            g.writeArrayFieldStart("credentials");
            for (CredentialRecord<String> r : records) {
                g.writeStartObject();
                writeFields(g, r);
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    /**
     * A file of the directory layout.
     *
     * @throws CredentialIntegrityException naming the file, if it is not valid JSON or not a record
     */
    static CredentialRecord<String> decodeRecord(byte[] content, Path file) {
        JsonNode root = parse(content, file);
        return readRecordFields(new Field(file, ""), root);
    }

    /**
     * The single file.
     *
     * @throws CredentialIntegrityException naming the file, if it is not valid JSON, not a
     *     credentials file, or names a credential twice
     */
    static List<CredentialRecord<String>> decodeAll(byte[] content, Path file) {
        JsonNode root = parse(content, file);
        Field top = new Field(file, "");
        JsonNode array = top.child("credentials").require(root.get("credentials"), JsonNode::isArray, "an array");
        List<CredentialRecord<String>> records = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < array.size(); i++) {
            Field at = top.child("credentials[" + i + "]");
            CredentialRecord<String> record = readRecordFields(at, at.require(array.get(i), JsonNode::isObject, "an object"));
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
        if (format.intValue() != FORMAT) {
            throw new CredentialIntegrityException("Credential file " + file + " has format " + format.intValue()
                    + "; this version of Infrakit reads format " + FORMAT);
        }
        return root;
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

    @FunctionalInterface
    private interface Writer {
        void write(JsonGenerator g) throws IOException;
    }

    private static byte[] write(Writer writer) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.useDefaultPrettyPrinter();
            writer.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // Writing to a byte array does no I/O.
        }
        out.write('\n');
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
