package dev.infrakit.credentials.rotation;

import java.security.SecureRandom;
import java.util.Objects;

/**
 * How random passwords and API tokens are made: a length and an alphabet, each character drawn
 * uniformly (no modulo bias) from a {@link SecureRandom}. A policy giving less than
 * {@value #MIN_ENTROPY_BITS} bits of entropy is refused. Immutable and thread-safe.
 */
public final class PasswordPolicy {
    /** The least entropy a policy may give, in bits. */
    public static final int MIN_ENTROPY_BITS = 128;
    /** The longest secret a policy may make. */
    public static final int MAX_LENGTH = 4096;

    private static final String ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    /** URL-safe base64 characters, for tokens. */
    private static final String URL_SAFE = ALPHANUMERIC + "-_";

    private final int length;
    private final String alphabet;

    private PasswordPolicy(int length, String alphabet) {
        this.length = length;
        this.alphabet = alphabet;
    }

    /**
     * A policy of {@code length} characters drawn from {@code alphabet}.
     *
     * @throws IllegalArgumentException if the alphabet has fewer than 2 characters, repeats one, or
     *     holds whitespace, control or non-ASCII-printable characters, or if the length is over
     *     {@value #MAX_LENGTH} or too short for {@value #MIN_ENTROPY_BITS} bits (the message gives
     *     the length needed)
     */
    public static PasswordPolicy of(int length, String alphabet) {
        Objects.requireNonNull(alphabet, "alphabet");
        if (alphabet.length() < 2) {
            throw new IllegalArgumentException("A password alphabet needs at least 2 characters, got "
                    + alphabet.length());
        }
        for (int i = 0; i < alphabet.length(); i++) {
            char c = alphabet.charAt(i);
            if (c <= ' ' || c > '~') {
                throw new IllegalArgumentException("A password alphabet may hold only printable ASCII characters "
                        + "other than space; character " + i + " is U+" + String.format("%04X", (int) c));
            }
            if (alphabet.indexOf(c) != i) {
                throw new IllegalArgumentException("A password alphabet must not repeat a character (it would be "
                        + "drawn more often); '" + c + "' appears twice");
            }
        }
        if (length < 1 || length > MAX_LENGTH) {
            throw new IllegalArgumentException("A password length must be 1 to " + MAX_LENGTH + ", got " + length);
        }
        double bitsPerChar = Math.log(alphabet.length()) / Math.log(2);
        double bits = length * bitsPerChar;
        if (bits < MIN_ENTROPY_BITS) {
            int needed = (int) Math.ceil(MIN_ENTROPY_BITS / bitsPerChar);
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT,
                    "Weak password policy: length %d over %d characters gives %.0f bits of entropy, at least %d "
                            + "are needed; use a length of %d or more", length, alphabet.length(), Math.floor(bits),
                    MIN_ENTROPY_BITS, needed));
        }
        return new PasswordPolicy(length, alphabet);
    }

    /** {@code length} letters and digits (at least 22 for 128 bits). */
    public static PasswordPolicy alphanumeric(int length) {
        return of(length, ALPHANUMERIC);
    }

    /** An API token: {@code length} URL-safe base64 characters (at least 22 for 128 bits). */
    public static PasswordPolicy urlSafeToken(int length) {
        return of(length, URL_SAFE);
    }

    /** The default: 32 letters and digits (190 bits). */
    public static PasswordPolicy defaults() {
        return alphanumeric(32);
    }

    /** The length. */
    public int length() {
        return length;
    }

    /** The alphabet. */
    public String alphabet() {
        return alphabet;
    }

    /** The entropy of one generated secret, in bits. */
    public double entropyBits() {
        return length * Math.log(alphabet.length()) / Math.log(2);
    }

    /** A new secret; the caller owns the array and should clear it after use. */
    public char[] generate(SecureRandom random) {
        Objects.requireNonNull(random, "random");
        char[] out = new char[length];
        for (int i = 0; i < length; i++) {
            out[i] = alphabet.charAt(random.nextInt(alphabet.length()));
        }
        return out;
    }

    @Override
    public String toString() {
        return "PasswordPolicy[length=" + length + ", alphabet of " + alphabet.length() + ", "
                + (int) entropyBits() + " bits]";
    }
}
