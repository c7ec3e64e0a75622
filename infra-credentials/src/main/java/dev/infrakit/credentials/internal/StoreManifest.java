package dev.infrakit.credentials.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.infrakit.credentials.CredentialIntegrityException;
import dev.infrakit.credentials.KeyRingMac;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The encrypted file store's manifest: the store's id, the number of the last write (a counter
 * every write bumps, under the store's lock) and, for every credential, the number of the write that
 * last changed it. Each record carries the number of the write that wrote it, under the same MAC as
 * its content, so a record file replaced by an older copy (a revocation undone, a rotated password
 * brought back) has a smaller number than the manifest's and is refused. The manifest is MACed too
 * (a key derived from the master key), so it cannot be edited; replacing it by an older copy is
 * detected when a record is newer than it (see {@link FileEngine}).
 *
 * <p>{@link Intent} is what a writer is about to do, kept in the lock file while it does it: if
 * the writer dies between replacing a record and replacing the manifest, the next writer finds the
 * intent and brings the manifest up to date, so a crash never leaves a record that looks rolled
 * back or newer than the manifest.
 *
 * <p>Immutable.
 */
final class StoreManifest {
    /** The manifest format written and read. */
    static final int FORMAT = 1;
    private static final String MANIFEST_KIND = "infrakit credentials manifest";
    private static final String INTENT_KIND = "infrakit credentials intent";
    final String store;
    final long seq;
    /** True while the records of an old (format 1) store are being rewritten as authenticated ones. */
    final boolean upgrading;
    /** The master key id of the MAC it was read with; null for one not yet written. */
    final String macKey;
    private final TreeMap<String, Long> entries;

    private StoreManifest(String store, long seq, boolean upgrading, TreeMap<String, Long> entries) {
        this(store, seq, upgrading, entries, null);
    }

    private StoreManifest(String store, long seq, boolean upgrading, TreeMap<String, Long> entries, String macKey) {
        this.store = Objects.requireNonNull(store, "store");
        this.seq = seq;
        this.upgrading = upgrading;
        this.entries = entries;
        this.macKey = macKey;
    }

    /** An empty store's manifest. */
    static StoreManifest empty(String store) {
        return new StoreManifest(store, 0, false, new TreeMap<>());
    }

    /** A manifest with exactly {@code entries}, last write {@code seq}. */
    static StoreManifest of(String store, long seq, boolean upgrading, Map<String, Long> entries) {
        return new StoreManifest(store, seq, upgrading, new TreeMap<>(entries));
    }

    /** The write that last changed {@code name}, or null if the manifest does not know it. */
    Long entry(String name) {
        return entries.get(name);
    }

    /** Every credential's last write, by name. */
    Map<String, Long> entries() {
        return Collections.unmodifiableMap(entries);
    }

    /** After write {@code seq} wrote {@code name}. */
    StoreManifest with(String name, long seq) {
        TreeMap<String, Long> copy = new TreeMap<>(entries);
        copy.put(name, seq);
        return new StoreManifest(store, Math.max(this.seq, seq), upgrading, copy);
    }

    /** After write {@code seq} removed {@code name}. */
    StoreManifest without(String name, long seq) {
        TreeMap<String, Long> copy = new TreeMap<>(entries);
        copy.remove(name);
        return new StoreManifest(store, Math.max(this.seq, seq), upgrading, copy);
    }

    /** The same entries, last write {@code seq}. */
    StoreManifest at(long seq) {
        return new StoreManifest(store, seq, upgrading, entries);
    }

    /** The same entries, no longer upgrading. */
    StoreManifest upgraded() {
        return new StoreManifest(store, seq, false, entries);
    }

    byte[] encode(KeyRingMac mac) {
        return signed(mac, MANIFEST_KIND, this::fields, true);
    }

    private byte[] authenticated(String keyId) {
        return macInput(MANIFEST_KIND, this::fields, keyId);
    }

    private void fields(JsonGenerator g) throws IOException {
        g.writeNumberField("format", FORMAT);
        g.writeStringField("store", store);
        g.writeNumberField("seq", seq);
        g.writeBooleanField("upgrading", upgrading);
        g.writeObjectFieldStart("credentials");
        for (Map.Entry<String, Long> e : entries.entrySet()) {
            g.writeNumberField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
    }

    /**
     * Reads and authenticates a manifest.
     *
     * @throws CredentialIntegrityException naming the file if it is not a manifest or fails its MAC
     */
    static StoreManifest decode(byte[] content, Path file, KeyRingMac mac) {
        String what = "The credential store's manifest " + file;
        JsonNode root;
        try {
            root = RecordCodec.JSON.readTree(content);
        } catch (JsonProcessingException e) {
            throw new CredentialIntegrityException(what + " is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (root == null || !root.isObject() || root.path("format").asInt(-1) != FORMAT
                || !root.path("store").isTextual() || !root.path("seq").canConvertToLong()
                || !root.path("seq").isIntegralNumber() || !root.path("upgrading").isBoolean()
                || !root.path("credentials").isObject() || !root.path("macKey").isTextual()
                || !root.path("mac").isTextual()) {
            throw new CredentialIntegrityException(what + " is not a manifest of format " + FORMAT);
        }
        TreeMap<String, Long> entries = new TreeMap<>();
        for (Map.Entry<String, JsonNode> e : root.get("credentials").properties()) {
            if (!e.getValue().isIntegralNumber() || !e.getValue().canConvertToLong()) {
                throw new CredentialIntegrityException(what + " is not a manifest: an entry is not a write number");
            }
            entries.put(e.getKey(), e.getValue().longValue());
        }
        StoreManifest m = new StoreManifest(root.get("store").textValue(), root.get("seq").longValue(),
                root.get("upgrading").booleanValue(), entries);
        String keyId = root.get("macKey").textValue();
        if (!mac.verify(keyId, m.authenticated(keyId), root.get("mac").textValue(), what)) {
            throw new CredentialIntegrityException(what + " failed its authentication check: it was modified "
                    + "(or written with another master key)");
        }
        return new StoreManifest(m.store, m.seq, m.upgrading, entries, keyId);
    }

    @Override
    public String toString() {
        return "StoreManifest[" + store + ", write " + seq + ", " + entries.size() + " credentials"
                + (upgrading ? ", upgrading" : "") + "]";
    }

    /**
     * What a writer is about to do: write number {@code seq} puts (true) or removes (false) the
     * named credentials. MACed and bound to its write number, so an old intent replayed, or one
     * made up without the master key, is ignored.
     */
    static final class Intent {
        final String store;
        final long seq;
        final Map<String, Boolean> names;

        Intent(String store, long seq, Map<String, Boolean> names) {
            this.store = store;
            this.seq = seq;
            this.names = Collections.unmodifiableMap(new TreeMap<>(names));
        }

        byte[] encode(KeyRingMac mac) {
            return signed(mac, INTENT_KIND, this::fields, false);
        }

        private byte[] authenticated(String keyId) {
            return macInput(INTENT_KIND, this::fields, keyId);
        }

        private void fields(JsonGenerator g) throws IOException {
            g.writeStringField("store", store);
            g.writeNumberField("seq", seq);
            g.writeObjectFieldStart("names");
            for (Map.Entry<String, Boolean> e : names.entrySet()) {
                g.writeBooleanField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
        }

        /** The intent in {@code content}, or null if there is none or it does not authenticate. */
        static Intent decode(byte[] content, KeyRingMac mac) {
            if (content.length == 0) {
                return null;
            }
            try {
                JsonNode root = RecordCodec.JSON.readTree(content);
                if (root == null || !root.path("store").isTextual() || !root.path("seq").isIntegralNumber()
                        || !root.path("names").isObject() || !root.path("macKey").isTextual()
                        || !root.path("mac").isTextual()) {
                    return null;
                }
                TreeMap<String, Boolean> names = new TreeMap<>();
                for (Map.Entry<String, JsonNode> e : root.get("names").properties()) {
                    if (!e.getValue().isBoolean()) {
                        return null;
                    }
                    names.put(e.getKey(), e.getValue().booleanValue());
                }
                Intent intent = new Intent(root.get("store").textValue(), root.get("seq").longValue(), names);
                String keyId = root.get("macKey").textValue();
                return mac.verify(keyId, intent.authenticated(keyId), root.get("mac").textValue(), "A write's intent")
                        ? intent : null;
            } catch (IOException | CredentialIntegrityException e) {
                return null; // Not one of ours: nothing to finish.
            }
        }
    }

    /**
     * {@code fields} as a JSON object with the MAC of the primary key ({@code macKey}, {@code mac});
     * the MAC is over the compact object with {@code kind} first, so a manifest and an intent can
     * never be taken for one another.
     */
    private static byte[] signed(KeyRingMac mac, String kind, RecordCodec.Writer fields, boolean pretty) {
        String keyId = mac.primaryId();
        String tag = mac.sign(macInput(kind, fields, keyId));
        return RecordCodec.write(g -> {
            g.writeStartObject();
            fields.write(g);
            g.writeStringField("macKey", keyId);
            g.writeStringField("mac", tag);
            g.writeEndObject();
        }, pretty);
    }

    /** What the MAC covers: the compact object with {@code kind} first and the key id last. */
    private static byte[] macInput(String kind, RecordCodec.Writer fields, String keyId) {
        return RecordCodec.write(g -> {
            g.writeStartObject();
            g.writeStringField("kind", kind);
            fields.write(g);
            g.writeStringField("macKey", keyId);
            g.writeEndObject();
        }, false);
    }
}
