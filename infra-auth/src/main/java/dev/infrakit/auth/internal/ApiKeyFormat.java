package dev.infrakit.auth.internal;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The text form of an API key, {@code ik_<keyId>_<secret>}: the prefix {@code ik_}, a key id of 12
 * characters of lower-case base32 ({@code a-z}, {@code 2-7}; 60 random bits, a lookup id and not a
 * secret), an underscore, and 32 random bytes in base64url without padding (43 characters). 59
 * characters in all.
 *
 * <p>Parsing is strict so that a key has exactly one text form: exact length, exact prefix and
 * separator, only the two alphabets, and a canonical last secret character (43 base64url
 * characters carry 258 bits; the 2 spare bits must be zero, which a lenient decoder would ignore).
 * The reasons it gives never quote the key. Stateless; thread-safe.
 */
public final class ApiKeyFormat {
    /** Every key starts with this. */
    public static final String PREFIX = "ik_";
    /** Characters in a key id. */
    public static final int KEY_ID_LENGTH = 12;
    /** Random bytes in a secret. */
    public static final int SECRET_BYTES = 32;
    /** Characters of a secret in base64url without padding. */
    public static final int SECRET_LENGTH = 43;
    /** Characters in a key. */
    public static final int KEY_LENGTH = PREFIX.length() + KEY_ID_LENGTH + 1 + SECRET_LENGTH;
    /** Bytes in a secret's hash (SHA-256). */
    public static final int HASH_BYTES = 32;

    private static final String KEY_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";
    private static final String BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    private static final int SECRET_START = PREFIX.length() + KEY_ID_LENGTH + 1;

    private ApiKeyFormat() {
    }

    /** A key split into its id and decoded secret, or the reason it could not be. */
    public static final class Parsed {
        private final String keyId;
        private final byte[] secret;
        private final String problem;

        private Parsed(String keyId, byte[] secret, String problem) {
            this.keyId = keyId;
            this.secret = secret;
            this.problem = problem;
        }

        /** Whether the key was well formed. */
        public boolean ok() {
            return problem == null;
        }

        /** The key id (null if malformed). */
        public String keyId() {
            return keyId;
        }

        /** The decoded secret (null if malformed); the caller owns and wipes it. */
        public byte[] secret() {
            return secret;
        }

        /** What was wrong, without the key (null if well formed). */
        public String problem() {
            return problem;
        }
    }

    /** Splits {@code key}; never throws on bad input, and never quotes it. */
    public static Parsed parse(String key) {
        if (key == null) {
            return malformed("no API key");
        }
        if (key.length() != KEY_LENGTH) {
            return malformed("an API key has " + KEY_LENGTH + " characters, this has " + key.length());
        }
        if (!key.startsWith(PREFIX)) {
            return malformed("an API key starts with '" + PREFIX + "'");
        }
        if (key.charAt(SECRET_START - 1) != '_') {
            return malformed("an API key has '_' between its id and its secret");
        }
        String keyId = key.substring(PREFIX.length(), SECRET_START - 1);
        if (!isKeyId(keyId)) {
            return malformed("the key id must be " + KEY_ID_LENGTH + " characters of a-z and 2-7");
        }
        for (int i = SECRET_START; i < KEY_LENGTH; i++) {
            if (BASE64URL.indexOf(key.charAt(i)) < 0) {
                return malformed("the secret must be base64url (A-Z a-z 0-9 - _) without padding");
            }
        }
        if (BASE64URL.indexOf(key.charAt(KEY_LENGTH - 1)) % 4 != 0) {
            return malformed("the secret is not canonical base64url");
        }
        byte[] secret = Base64.getUrlDecoder().decode(key.substring(SECRET_START));
        return new Parsed(keyId, secret, null);
    }

    private static Parsed malformed(String problem) {
        return new Parsed(null, null, problem);
    }

    /** Whether {@code keyId} is 12 characters of lower-case base32. */
    public static boolean isKeyId(String keyId) {
        if (keyId == null || keyId.length() != KEY_ID_LENGTH) {
            return false;
        }
        for (int i = 0; i < KEY_ID_LENGTH; i++) {
            if (KEY_ID_ALPHABET.indexOf(keyId.charAt(i)) < 0) {
                return false;
            }
        }
        return true;
    }

    /** A new random key id. */
    public static String newKeyId(SecureRandom random) {
        char[] id = new char[KEY_ID_LENGTH];
        for (int i = 0; i < KEY_ID_LENGTH; i++) {
            id[i] = KEY_ID_ALPHABET.charAt(random.nextInt(KEY_ID_ALPHABET.length()));
        }
        return new String(id);
    }

    /** A new random secret of {@link #SECRET_BYTES} bytes. */
    public static byte[] newSecret(SecureRandom random) {
        byte[] secret = new byte[SECRET_BYTES];
        random.nextBytes(secret);
        return secret;
    }

    /** The text form of a key. */
    public static String format(String keyId, byte[] secret) {
        if (!isKeyId(keyId) || secret.length != SECRET_BYTES) {
            throw new IllegalArgumentException("Not a key id and " + SECRET_BYTES + "-byte secret");
        }
        return PREFIX + keyId + "_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    }

    /** SHA-256 of {@code secret}. */
    public static byte[] hash(byte[] secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every Java platform has SHA-256", e);
        }
    }

    /** A masked form for {@code toString()}: the prefix and key id, never the secret. */
    public static String masked(String keyId) {
        return PREFIX + keyId + "_" + "*".repeat(8);
    }
}
