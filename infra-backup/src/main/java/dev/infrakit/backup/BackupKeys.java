package dev.infrakit.backup;

import dev.infrakit.core.io.SecretFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The keys backups are encrypted with: the current one, which encrypts new artifacts, and older
 * ones still kept so that backups made under them can be read. Each key has an id, written into
 * every artifact it encrypts (and so visible to whoever holds the artifact); the key itself never
 * leaves this object except to derive a per-artifact key, and is never in {@link #toString()}.
 *
 * <p>Rotation: build a new {@code BackupKeys} whose current key is the new one and which still
 * holds the old ones; new backups are encrypted under the new key, old ones stay readable until
 * their key is dropped.
 */
public final class BackupKeys {
    /** Bytes of every key: 256 bits, for AES-256. */
    public static final int KEY_BYTES = 32;
    private static final int MAX_ID_LENGTH = 64;
    private static final int MAX_FILE_BYTES = 64 * 1024;

    private final String currentId;
    private final Map<String, byte[]> keys;

    private BackupKeys(String currentId, Map<String, byte[]> keys) {
        this.currentId = currentId;
        this.keys = keys;
    }

    /**
     * Keys whose current one is {@code id}.
     *
     * @param id the key's id: 1 to 64 characters of letters, digits, {@code . _ -}
     * @param key 32 bytes (copied)
     * @throws IllegalArgumentException if the id or the key length is not valid
     */
    public static BackupKeys of(String id, byte[] key) {
        Map<String, byte[]> keys = new LinkedHashMap<>();
        keys.put(checkId(id), checkKey(id, key));
        return new BackupKeys(id, keys);
    }

    /**
     * These keys with {@code id} as the new current key; the others stay for reading.
     *
     * @throws IllegalArgumentException if the id is not valid, already held, or the key is not 32 bytes
     */
    public BackupKeys rotateTo(String id, byte[] key) {
        if (keys.containsKey(checkId(id))) {
            throw new IllegalArgumentException("Backup key id '" + id + "' is already held; give the new key a new id");
        }
        Map<String, byte[]> next = new LinkedHashMap<>(keys);
        next.put(id, checkKey(id, key));
        return new BackupKeys(id, next);
    }

    /**
     * Keys from a key file: one key per line, {@code <id> <base64 of 32 bytes>}, the first the
     * current key and the others older keys kept for reading (blank lines and {@code #} comments are
     * skipped). The file is read as {@code dev.infrakit.core.io.SecretFiles} reads secrets: a link,
     * another owner, or any permission for group or others is refused.
     *
     * @throws IllegalArgumentException if the file is refused, holds no key, or a line is not a key
     *     (the message names the file and the line, never a key)
     */
    public static BackupKeys fromFile(Path file) {
        byte[] content;
        try {
            content = SecretFiles.read(file, MAX_FILE_BYTES, "backup key");
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot read the backup key file " + file + ": " + e.getMessage(), e);
        }
        BackupKeys keys = null;
        try {
            String[] lines = new String(content, StandardCharsets.US_ASCII).split("\n", -1);
            for (int i = 0; i < lines.length; i++) {
                String line = lines[i].strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                String[] parts = line.split("\\s+");
                byte[] key;
                try {
                    key = parts.length == 2 ? Base64.getDecoder().decode(parts[1]) : null;
                } catch (IllegalArgumentException e) {
                    key = null;
                }
                if (key == null || key.length != KEY_BYTES) {
                    throw new IllegalArgumentException("Line " + (i + 1) + " of the backup key file " + file + " is not "
                            + "'<id> <base64 of " + KEY_BYTES + " bytes>'");
                }
                try {
                    keys = keys == null ? of(parts[0], key) : keys.withOlder(parts[0], key);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("Line " + (i + 1) + " of the backup key file " + file + ": "
                            + e.getMessage());
                } finally {
                    Arrays.fill(key, (byte) 0);
                }
            }
        } finally {
            Arrays.fill(content, (byte) 0);
        }
        if (keys == null) {
            throw new IllegalArgumentException("The backup key file " + file + " holds no key");
        }
        return keys;
    }

    /**
     * These keys also holding {@code id}, an older key kept for reading; the current key stays current.
     *
     * @throws IllegalArgumentException if the id is not valid, already held, or the key is not 32 bytes
     */
    public BackupKeys withOlder(String id, byte[] key) {
        if (keys.containsKey(checkId(id))) {
            throw new IllegalArgumentException("Backup key id '" + id + "' is already held; every key needs its own id");
        }
        Map<String, byte[]> next = new LinkedHashMap<>(keys);
        next.put(id, checkKey(id, key));
        return new BackupKeys(currentId, next);
    }

    /**
     * These keys without {@code id}: backups made under it can no longer be read.
     *
     * @throws IllegalArgumentException if {@code id} is the current key
     */
    public BackupKeys without(String id) {
        if (id.equals(currentId)) {
            throw new IllegalArgumentException("Backup key '" + id + "' is the current key; rotate to another first");
        }
        Map<String, byte[]> next = new LinkedHashMap<>(keys);
        next.remove(id);
        return new BackupKeys(currentId, next);
    }

    /** These keys with the held key {@code id} as the current one (to re-encrypt what was written under it). */
    BackupKeys withCurrent(String id) {
        if (!keys.containsKey(id)) {
            throw new IllegalArgumentException("Backup key '" + id + "' is not held");
        }
        return new BackupKeys(id, keys);
    }

    /** The id of the key new artifacts are encrypted under. */
    public String currentId() {
        return currentId;
    }

    /** Whether the key {@code id} is held. */
    public boolean has(String id) {
        return keys.containsKey(id);
    }

    /** The key bytes (a copy) of {@code id}, for {@link BackupEncryption} only. */
    Optional<byte[]> key(String id) {
        byte[] key = keys.get(id);
        return key == null ? Optional.empty() : Optional.of(key.clone());
    }

    @Override
    public String toString() {
        return "BackupKeys[current " + currentId + ", " + keys.size() + " held]";
    }

    private static String checkId(String id) {
        Objects.requireNonNull(id, "id");
        if (id.isEmpty() || id.length() > MAX_ID_LENGTH || !id.chars().allMatch(c -> c < 128
                && (Character.isLetterOrDigit(c) || c == '.' || c == '_' || c == '-'))) {
            throw new IllegalArgumentException("A backup key id is 1 to " + MAX_ID_LENGTH
                    + " letters, digits, '.', '_' or '-'; got " + (id.length() > MAX_ID_LENGTH ? id.length()
                    + " characters" : "'" + id.replaceAll("\\p{Cntrl}", "?") + "'"));
        }
        return id;
    }

    private static byte[] checkKey(String id, byte[] key) {
        Objects.requireNonNull(key, "key");
        if (key.length != KEY_BYTES) {
            throw new IllegalArgumentException("Backup key '" + id + "' must be " + KEY_BYTES + " bytes, got " + key.length);
        }
        return Arrays.copyOf(key, key.length);
    }
}
