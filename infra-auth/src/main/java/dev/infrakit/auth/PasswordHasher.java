package dev.infrakit.auth;

import java.util.Set;
import java.util.HashSet;
import dev.infrakit.core.Arguments;
import javax.crypto.SecretKey;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;

/**
 * Hashes and verifies passwords with PBKDF2-HMAC-SHA256 (the JDK's {@code PBKDF2WithHmacSHA256},
 * which feeds the password to HMAC as UTF-8), storing each hash in a self-describing, PHC-style
 * string:
 *
 * <pre>{@code
 * $pbkdf2-sha256$i=600000,l=32$<salt>$<hash>
 * }</pre>
 *
 * <ul>
 *   <li>{@code pbkdf2-sha256} — the algorithm id; nothing else is accepted.</li>
 *   <li>{@code i} — the iteration count, decimal, 1 to 10,000,000 (in that order, {@code i}
 *   then {@code l}, no spaces, no leading zeros).</li>
 *   <li>{@code l} — the hash length in bytes, 16 to 64; it must match the decoded hash.</li>
 *   <li>salt and hash — standard base64 ({@code A-Z a-z 0-9 + /}, RFC 4648 §4) without {@code =}
 *   padding; the salt decodes to 8 to 64 bytes.</li>
 * </ul>
 *
 * <p>Defaults: 600,000 iterations (OWASP's current recommendation for PBKDF2-HMAC-SHA256), a
 * 16-byte salt from {@link SecureRandom} and a 32-byte hash (SHA-256's output size: a longer hash
 * costs the defender more without costing an attacker anything). The builder refuses fewer than
 * 10,000 iterations; only {@link #forTesting(int)}, named so that it stands out in review, goes
 * lower.
 *
 * <p>Because the parameters travel with each hash, raising them later is safe: old hashes still
 * verify, {@link #needsRehash(String)} tells which ones are weaker than the current settings, and
 * {@link #verifyAndUpgrade(char[], String)} does both at login, when the password is at hand.
 *
 * <p>Passwords are {@code char[]} so callers can clear them; this class clears every copy it makes
 * (the UTF-8 bytes are made and cleared inside the JDK's key factory) and the derived hash. The
 * comparison of hashes is {@link MessageDigest#isEqual}, whose time does not depend on where the
 * hashes differ; with PBKDF2's cost dominating, verification time depends only on the stored
 * parameters, never on how close a guess is. (For an unknown user name, verify the password
 * against any fixed hash made by this hasher, so that a missing account costs the same time.)
 *
 * <p>Passwords must be 1 to 1024 characters: an empty one is refused, and the cap keeps a
 * megabyte-long "password" from costing more than a real one.
 *
 * <p>Exceptions never contain a password or a hash: a malformed encoding is reported by what is
 * wrong with it (which part, which limit), not by its content.
 *
 * <p>Immutable and thread-safe.
 */
public final class PasswordHasher {
    /** The algorithm id in the encoding. */
    public static final String ALGORITHM_ID = "pbkdf2-sha256";
    /** The default iteration count (OWASP's recommendation for PBKDF2-HMAC-SHA256). */
    public static final int DEFAULT_ITERATIONS = 600_000;
    /** The fewest iterations the builder allows. */
    public static final int MIN_ITERATIONS = 10_000;
    /** The most iterations allowed anywhere, including in an encoding being verified. */
    public static final int MAX_ITERATIONS = 10_000_000;
    /** The default salt length, in bytes. */
    public static final int DEFAULT_SALT_LENGTH = 16;
    /** The default hash length, in bytes. */
    public static final int DEFAULT_HASH_LENGTH = 32;
    /** The longest password accepted, in characters. */
    public static final int MAX_PASSWORD_LENGTH = 1024;

    private static final String JCA_ALGORITHM = "PBKDF2WithHmacSHA256";
    private static final String PREFIX = "$" + ALGORITHM_ID + "$";
    private static final int MIN_SALT_LENGTH = 16;
    private static final int MIN_DECODED_SALT_LENGTH = 8;
    private static final int MIN_HASH_LENGTH = 16;
    private static final int MAX_LENGTH = 64;
    private static final Base64.Encoder ENCODER = Base64.getEncoder().withoutPadding();

    private final int iterations;
    private final int saltLength;
    private final int hashLength;
    private final SecureRandom random;

    private PasswordHasher(int iterations, int saltLength, int hashLength, SecureRandom random) {
        this.iterations = iterations;
        this.saltLength = saltLength;
        this.hashLength = hashLength;
        this.random = random;
    }

    /** A hasher with the defaults: 600,000 iterations, 16-byte salt, 32-byte hash. */
    public static PasswordHasher defaults() {
        return builder().build();
    }

    /** A builder, starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A hasher with as few as one iteration, for unit tests and load tests that must not spend
     * half a second per hash. Never use it for real passwords: its hashes are cheap to crack (a
     * production hasher's {@link #needsRehash(String)} reports them).
     *
     * @throws IllegalArgumentException if {@code iterations} is not 1 to 10,000,000
     */
    public static PasswordHasher forTesting(int iterations) {
        checkIterations(iterations, 1);
        return new PasswordHasher(iterations, DEFAULT_SALT_LENGTH, DEFAULT_HASH_LENGTH, new SecureRandom());
    }

    /** The iteration count of new hashes. */
    public int iterations() {
        return iterations;
    }

    /** The salt length of new hashes, in bytes. */
    public int saltLength() {
        return saltLength;
    }

    /** The hash length of new hashes, in bytes. */
    public int hashLength() {
        return hashLength;
    }

    /**
     * Hashes {@code password} with a fresh random salt. Does not modify or clear {@code password}.
     *
     * @return the encoding described in the class comment
     * @throws IllegalArgumentException if the password is empty or longer than 1024 characters
     */
    public String hash(char[] password) {
        byte[] salt = new byte[saltLength];
        random.nextBytes(salt);
        return hash(password, salt);
    }

    /** {@link #hash(char[])} with a given salt: for known-answer tests only. */
    String hash(char[] password, byte[] salt) {
        checkPassword(password);
        byte[] derived = derive(password, salt, iterations, hashLength);
        try {
            return encode(iterations, salt, derived);
        } finally {
            Arrays.fill(derived, (byte) 0);
        }
    }

    /**
     * Whether {@code password} matches {@code encoded}, hashing it with the parameters stored in
     * {@code encoded} (which may differ from this hasher's). The hashes are compared in constant
     * time. Does not modify or clear {@code password}.
     *
     * @throws IllegalArgumentException if the password is empty or longer than 1024 characters,
     *     or if {@code encoded} is not a valid PBKDF2-SHA256 encoding (the message says which part
     *     is wrong without quoting it)
     */
    public boolean verify(char[] password, String encoded) {
        checkPassword(password);
        Encoded parsed = Encoded.parse(encoded);
        byte[] derived = derive(password, parsed.salt, parsed.iterations, parsed.hash.length);
        try {
            return MessageDigest.isEqual(derived, parsed.hash);
        } finally {
            Arrays.fill(derived, (byte) 0);
            parsed.clear();
        }
    }

    /**
     * Whether {@code encoded} is weaker than what this hasher makes now: fewer iterations, a
     * shorter salt or hash, or another algorithm (any PHC string whose id is not
     * {@code pbkdf2-sha256}, e.g. {@code $argon2id$...}, and any string not starting with
     * {@code $}). Cheap: no hashing.
     *
     * @throws IllegalArgumentException if {@code encoded} claims to be {@code pbkdf2-sha256} but is
     *     malformed
     */
    public boolean needsRehash(String encoded) {
        Objects.requireNonNull(encoded, "encoded");
        if (!encoded.startsWith(PREFIX)) {
            return true;
        }
        Encoded parsed = Encoded.parse(encoded);
        try {
            return parsed.iterations < iterations || parsed.salt.length < saltLength || parsed.hash.length < hashLength;
        } finally {
            parsed.clear();
        }
    }

    /**
     * Verifies {@code password} and, if it matches and {@code encoded} {@linkplain #needsRehash
     * needs rehashing}, hashes it again with the current parameters: the one moment the password
     * is available to upgrade an old hash. Store {@link Verification#upgradedHash()} when present.
     *
     * @throws IllegalArgumentException as {@link #verify(char[], String)}
     */
    public Verification verifyAndUpgrade(char[] password, String encoded) {
        if (!verify(password, encoded)) {
            return Verification.FAILED;
        }
        return needsRehash(encoded) ? new Verification(true, hash(password)) : Verification.VERIFIED;
    }

    @Override
    public String toString() {
        return "PasswordHasher[" + ALGORITHM_ID + ", i=" + iterations + ", salt=" + saltLength + ", l=" + hashLength
                + "]";
    }

    /**
     * The result of {@link #verifyAndUpgrade(char[], String)}: whether the password matched and,
     * if so and the stored hash was weaker than the current settings, its new hash. Immutable.
     */
    public static final class Verification {
        static final Verification FAILED = new Verification(false, null);
        static final Verification VERIFIED = new Verification(true, null);

        private final boolean verified;
        private final String upgradedHash;

        private Verification(boolean verified, String upgradedHash) {
            this.verified = verified;
            this.upgradedHash = upgradedHash;
        }

        /** Whether the password matched. */
        public boolean verified() {
            return verified;
        }

        /** The new encoding to store in place of the old one; empty if not verified or not needed. */
        public Optional<String> upgradedHash() {
            return Optional.ofNullable(upgradedHash);
        }

        /** Whether verified and upgraded; never shows the hash. */
        @Override
        public String toString() {
            return "Verification[" + (verified ? "verified" : "failed") + (upgradedHash != null ? ", upgraded" : "")
                    + "]";
        }
    }

    private static void checkPassword(char[] password) {
        Objects.requireNonNull(password, "password");
        if (password.length == 0) {
            throw new IllegalArgumentException("password must not be empty");
        }
        if (password.length > MAX_PASSWORD_LENGTH) {
            throw new IllegalArgumentException("password must be at most " + MAX_PASSWORD_LENGTH
                    + " characters, got " + password.length);
        }
    }

    private static void checkIterations(int iterations, int min) {
        if (iterations < min || iterations > MAX_ITERATIONS) {
            throw new IllegalArgumentException("iterations must be " + min + " to " + MAX_ITERATIONS + ", got "
                    + iterations);
        }
    }

    private static byte[] derive(char[] password, byte[] salt, int iterations, int length) {
        PBEKeySpec spec = new PBEKeySpec(password, salt, iterations, length * 8);
        try {
            SecretKey key = SecretKeyFactory.getInstance(JCA_ALGORITHM).generateSecret(spec);
            return key.getEncoded();
        } catch (GeneralSecurityException e) {
            // Every Java SE 17 runtime has PBKDF2WithHmacSHA256; this means a broken provider setup.
            throw new IllegalStateException(JCA_ALGORITHM + " is not available: " + e.getClass().getSimpleName(), e);
        } finally {
            spec.clearPassword();
        }
    }

    private static String encode(int iterations, byte[] salt, byte[] hash) {
        return PREFIX + "i=" + iterations + ",l=" + hash.length + "$" + ENCODER.encodeToString(salt) + "$"
                + ENCODER.encodeToString(hash);
    }

    /** A parsed encoding. */
    private static final class Encoded {
        final int iterations;
        final byte[] salt;
        final byte[] hash;

        private Encoded(int iterations, byte[] salt, byte[] hash) {
            this.iterations = iterations;
            this.salt = salt;
            this.hash = hash;
        }

        void clear() {
            Arrays.fill(hash, (byte) 0);
        }

        /*
         * Strict parsing: every field is checked for shape before it is decoded, and messages name
         * the field and the rule, never the text, since a "hash" passed here by mistake may be a
         * password.
         */
        static Encoded parse(String encoded) {
            Objects.requireNonNull(encoded, "encoded");
            if (encoded.length() > 512) {
                throw malformed("it is " + encoded.length() + " characters long; at most 512 are expected");
            }
            if (!encoded.startsWith("$")) {
                throw malformed("it does not start with '$'");
            }
            String[] parts = encoded.split("\\$", -1);
            // "", id, params, salt, hash
            if (parts.length != 5) {
                throw malformed("expected 4 fields after the leading '$' (id, parameters, salt, hash), got "
                        + (parts.length - 1));
            }
            if (!ALGORITHM_ID.equals(parts[1])) {
                throw malformed("the algorithm id is not '" + ALGORITHM_ID + "'");
            }
            String[] params = parts[2].split(",", -1);
            if (params.length != 2 || !params[0].startsWith("i=") || !params[1].startsWith("l=")) {
                throw malformed("the parameters must be 'i=<iterations>,l=<hash length>'");
            }
            int iterations = number("iteration count", params[0].substring(2));
            if (iterations < 1 || iterations > MAX_ITERATIONS) {
                throw malformed("the iteration count " + iterations + " is outside 1 to " + MAX_ITERATIONS);
            }
            int length = number("hash length", params[1].substring(2));
            if (length < MIN_HASH_LENGTH || length > MAX_LENGTH) {
                throw malformed("the hash length " + length + " is outside " + MIN_HASH_LENGTH + " to " + MAX_LENGTH);
            }
            byte[] salt = base64("salt", parts[3]);
            if (salt.length < MIN_DECODED_SALT_LENGTH || salt.length > MAX_LENGTH) {
                throw malformed("the salt is " + salt.length + " bytes; " + MIN_DECODED_SALT_LENGTH + " to "
                        + MAX_LENGTH + " are allowed");
            }
            byte[] hash = base64("hash", parts[4]);
            if (hash.length != length) {
                int actual = hash.length;
                Arrays.fill(hash, (byte) 0);
                throw malformed("the hash is " + actual + " bytes but l=" + length);
            }
            return new Encoded(iterations, salt, hash);
        }

        private static int number(String what, String digits) {
            if (digits.isEmpty() || digits.length() > 9 || (digits.length() > 1 && digits.charAt(0) == '0')) {
                throw malformed("the " + what + " is not a decimal number of 1 to 9 digits without leading zeros");
            }
            for (int i = 0; i < digits.length(); i++) {
                char c = digits.charAt(i);
                if (c < '0' || c > '9') {
                    throw malformed("the " + what + " is not a decimal number");
                }
            }
            return Integer.parseInt(digits);
        }

        private static byte[] base64(String what, String text) {
            if (text.isEmpty()) {
                throw malformed("the " + what + " is empty");
            }
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+'
                        || c == '/';
                if (!ok) {
                    throw malformed("the " + what + " is not base64 without padding (A-Z a-z 0-9 + /): character "
                            + (i + 1) + " is not allowed");
                }
            }
            if (text.length() % 4 == 1) {
                throw malformed("the " + what + " is not valid base64: its length cannot be decoded");
            }
            try {
                return Base64.getDecoder().decode(text);
            } catch (IllegalArgumentException e) {
                // The decoder's message may quote the text: not chained.
                throw malformed("the " + what + " is not valid base64");
            }
        }

        private static IllegalArgumentException malformed(String why) {
            return new IllegalArgumentException("Not a valid " + ALGORITHM_ID + " password hash: " + why);
        }
    }

    /**
     * Builds a {@link PasswordHasher}; each setting is checked when given. Not thread-safe.
     */
    public static final class Builder {
        private final Set<String> given = new HashSet<>();

        private int iterations = DEFAULT_ITERATIONS;
        private int saltLength = DEFAULT_SALT_LENGTH;
        private int hashLength = DEFAULT_HASH_LENGTH;
        private SecureRandom random;

        private Builder() {
        }

        /**
         * The iteration count (default 600,000).
         *
         * @throws IllegalArgumentException if not 10,000 to 10,000,000 (see {@link PasswordHasher#forTesting(int)})
         */
        public Builder iterations(int iterations) {
            Arguments.markSet(given, "iterations");
            checkIterations(iterations, MIN_ITERATIONS);
            this.iterations = iterations;
            return this;
        }

        /**
         * The salt length in bytes (default 16).
         *
         * @throws IllegalArgumentException if not 16 to 64
         */
        public Builder saltLength(int saltLength) {
            Arguments.markSet(given, "saltLength");
            if (saltLength < MIN_SALT_LENGTH || saltLength > MAX_LENGTH) {
                throw new IllegalArgumentException("saltLength must be " + MIN_SALT_LENGTH + " to " + MAX_LENGTH
                        + " bytes, got " + saltLength);
            }
            this.saltLength = saltLength;
            return this;
        }

        /**
         * The hash length in bytes (default 32; more than 32 only slows the defender).
         *
         * @throws IllegalArgumentException if not 16 to 64
         */
        public Builder hashLength(int hashLength) {
            Arguments.markSet(given, "hashLength");
            if (hashLength < MIN_HASH_LENGTH || hashLength > MAX_LENGTH) {
                throw new IllegalArgumentException("hashLength must be " + MIN_HASH_LENGTH + " to " + MAX_LENGTH
                        + " bytes, got " + hashLength);
            }
            this.hashLength = hashLength;
            return this;
        }

        /** The source of salts (default a new {@link SecureRandom}). */
        public Builder random(SecureRandom random) {
            Arguments.markSet(given, "random");
            this.random = Objects.requireNonNull(random, "random");
            return this;
        }

        /** The hasher. */
        public PasswordHasher build() {
            return new PasswordHasher(iterations, saltLength, hashLength, random != null ? random : new SecureRandom());
        }
    }
}
