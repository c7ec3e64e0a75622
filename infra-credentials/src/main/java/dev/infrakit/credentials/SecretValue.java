package dev.infrakit.credentials;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The value of a credential: either named fields (a username, a password, a URL, anything else) or
 * opaque bytes (a key file, a certificate). Holds its data in one buffer that {@link #clear()}
 * overwrites; {@code toString()} never shows it.
 *
 * <p>Values are immutable until cleared and safe to share between threads; a store hands each
 * reader its own copy, so clearing one does not affect others. Strings taken out with
 * {@link #field(String)} cannot be cleared; {@link #fieldChars(String)} returns a char array that
 * can.
 */
public final class SecretValue {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte FIELDS = 'F';
    private static final byte BYTES = 'B';
    /** The most a value may hold. */
    public static final int MAX_BYTES = 1 << 20;

    /** Kind byte followed by the data (fields: a JSON object with sorted keys, UTF-8). */
    private final byte[] encoded;
    /** False for the copy a cache shares between readers: clearing it must not wipe what others read. */
    private final boolean owner;
    private volatile boolean cleared;

    private SecretValue(byte[] encoded) {
        this(encoded, true);
    }

    private SecretValue(byte[] encoded, boolean owner) {
        this.encoded = encoded;
        this.owner = owner;
    }

    /**
     * A value over the same buffer that {@link CachingCredentialStore} hands to every reader:
     * {@link #clear()} leaves it intact, since other readers may be using it.
     */
    SecretValue shared() {
        checkNotCleared();
        return new SecretValue(encoded, false);
    }

    /**
     * Whether this is a cache's copy shared by its readers (read through
     * {@link CachingCredentialStore}), which {@link #clear()} does not wipe.
     */
    public boolean isShared() {
        return !owner;
    }

    /**
     * A value made of named fields, e.g. {@code username}, {@code password}, {@code url}.
     *
     * @throws IllegalArgumentException if there are no fields, a name is blank or a value is null
     */
    public static SecretValue ofFields(Map<String, String> fields) {
        Objects.requireNonNull(fields, "fields");
        if (fields.isEmpty()) {
            throw new IllegalArgumentException("A secret value needs at least one field");
        }
        Map<String, String> sorted = new TreeMap<>();
        for (Map.Entry<String, String> e : fields.entrySet()) {
            if (e.getKey() == null || e.getKey().isBlank() || e.getKey().length() > 128) {
                throw new IllegalArgumentException("A field name must be 1 to 128 characters and not blank, got '"
                        + e.getKey() + "'");
            }
            if (e.getValue() == null) {
                throw new IllegalArgumentException("Field '" + e.getKey() + "' has no value (null)");
            }
            sorted.put(e.getKey(), e.getValue());
        }
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(FIELDS);
            JSON.writeValue(out, sorted);
            return new SecretValue(checkSize(out.toByteArray()));
        } catch (IOException e) {
            throw new IllegalStateException("Cannot encode secret fields", e);
        }
    }

    /** A login: fields {@code username} and {@code password}. */
    public static SecretValue login(String username, String password) {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("username", username);
        fields.put("password", password);
        return ofFields(fields);
    }

    /** A login with a URL: fields {@code username}, {@code password} and {@code url}. */
    public static SecretValue login(String username, String password, String url) {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("username", username);
        fields.put("password", password);
        fields.put("url", url);
        return ofFields(fields);
    }

    /** Opaque bytes (copied). */
    public static SecretValue ofBytes(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes");
        byte[] encoded = new byte[bytes.length + 1];
        encoded[0] = BYTES;
        System.arraycopy(bytes, 0, encoded, 1, bytes.length);
        return new SecretValue(checkSize(encoded));
    }

    /**
     * Decodes {@link #toBytes()}'s output (for store implementations).
     *
     * @throws IllegalArgumentException if the bytes are not an encoded value
     */
    public static SecretValue fromBytes(byte[] encoded) {
        Objects.requireNonNull(encoded, "encoded");
        if (encoded.length == 0 || (encoded[0] != FIELDS && encoded[0] != BYTES)) {
            throw new IllegalArgumentException("Not an encoded secret value (unknown kind)");
        }
        SecretValue value = new SecretValue(encoded.clone());
        if (encoded[0] == FIELDS) {
            value.fields(); // validates
        }
        return value;
    }

    private static byte[] checkSize(byte[] encoded) {
        if (encoded.length - 1 > MAX_BYTES) {
            throw new IllegalArgumentException("A secret value may hold at most " + MAX_BYTES + " bytes, got "
                    + (encoded.length - 1));
        }
        return encoded;
    }

    /**
     * The stable serialized form: a kind byte and the data. Stores encrypt this; the caller owns
     * the returned copy and should clear it.
     */
    public byte[] toBytes() {
        checkNotCleared();
        return encoded.clone();
    }

    /** True for a value made of named fields, false for opaque bytes. */
    public boolean hasFields() {
        checkNotCleared();
        return encoded[0] == FIELDS;
    }

    /** The field names, sorted (empty for opaque bytes). */
    public Set<String> fieldNames() {
        return hasFields() ? Collections.unmodifiableSet(fields().keySet()) : Set.of();
    }

    /**
     * Every field's value by name, sorted, from one parse of the value (empty for opaque bytes): for a
     * caller that needs several fields, where each {@link #field} call parses the value again.
     * Unmodifiable; holds the secret's text, so treat it as the value itself.
     */
    public Map<String, String> fieldValues() {
        return hasFields() ? Collections.unmodifiableMap(fields()) : Map.of();
    }

    /** A field's value. */
    public Optional<String> field(String name) {
        return hasFields() ? Optional.ofNullable(fields().get(name)) : Optional.empty();
    }

    /** A field's value as a char array the caller can clear, or {@code null} if there is no such field. */
    public char[] fieldChars(String name) {
        String value = field(name).orElse(null);
        return value == null ? null : value.toCharArray();
    }

    /** The {@code username} field. */
    public Optional<String> username() {
        return field("username");
    }

    /** The {@code password} field. */
    public Optional<String> password() {
        return field("password");
    }

    /** The {@code url} field. */
    public Optional<String> url() {
        return field("url");
    }

    /**
     * The opaque bytes (a copy), or for a value made of fields, their JSON encoding.
     */
    public byte[] bytes() {
        checkNotCleared();
        return Arrays.copyOfRange(encoded, 1, encoded.length);
    }

    /**
     * Overwrites the data with zeros; any later access throws {@link IllegalStateException}.
     *
     * <p>Except for a value read through {@link CachingCredentialStore}, which is the cache's own
     * copy, shared by every reader ({@link #isShared()}): wiping it would break the other readers,
     * so {@code clear()} leaves it as it is. Read through the store without the cache when a value
     * must be wiped after use.
     */
    public void clear() {
        if (owner) {
            cleared = true;
            Arrays.fill(encoded, (byte) 0);
        }
    }

    /** Whether {@link #clear()} was called. */
    public boolean isCleared() {
        return cleared;
    }

    private Map<String, String> fields() {
        Map<String, String> fields = new TreeMap<>();
        try (JsonParser p = JSON.getFactory().createParser(encoded, 1, encoded.length - 1)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("Not an encoded secret value (fields are not an object)");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                if (p.nextToken() != JsonToken.VALUE_STRING) {
                    throw new IllegalArgumentException("Not an encoded secret value (field is not a string)");
                }
                fields.put(key, p.getText());
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("Not an encoded secret value (fields are not valid JSON)");
        }
        return fields;
    }

    private void checkNotCleared() {
        if (cleared) {
            throw new IllegalStateException("This secret value was cleared");
        }
    }

    /** Constant-time comparison of the data. */
    @Override
    public boolean equals(Object o) {
        return o instanceof SecretValue && MessageDigest.isEqual(encoded, ((SecretValue) o).encoded);
    }

    @Override
    public int hashCode() {
        return encoded.length; // Never derived from the secret itself.
    }

    /** Shows the kind and field names, never the data. */
    @Override
    public String toString() {
        if (cleared) {
            return "SecretValue[cleared]";
        }
        if (encoded.length == 0) {
            return "SecretValue[]";
        }
        return encoded[0] == FIELDS ? "SecretValue[fields=" + fieldNames() + ", values=****]"
                : "SecretValue[" + (encoded.length - 1) + " bytes=****]";
    }
}
