package dev.infrakit.audit;

import dev.infrakit.core.Arguments;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;

/**
 * The record format and MAC chain shared by the file sink and the verifier.
 *
 * <p>Every line is a JSON object whose last member is {@code "mac"}:
 * {@code {"seq":12,"event":{…},"mac":"<base64>"}}, or, as the first line of every file,
 * {@code {"seq":13,"link":"<base64 MAC of the record before>","mac":"…"}}. The MAC of record n is
 * HMAC-SHA256(key, MAC(n−1) ‖ body(n)), where body(n) is the line without its {@code ,"mac":"…"}
 * member; MAC(0) is 32 zero bytes. Sequence numbers have no gaps, across files too, so a record
 * changed, removed, inserted or moved breaks the chain at that point.
 */
final class Chain {
    static final byte[] GENESIS = new byte[32];
    private static final String MAC_MEMBER = ",\"mac\":\"";

    private Chain() {
    }

    /** A copy of {@code key}, checked to be a usable chain key. */
    static byte[] requireKey(byte[] key) {
        java.util.Objects.requireNonNull(key, "hmacKey");
        if (key.length < 32) {
            throw new IllegalArgumentException("The audit chain key must be at least 32 bytes, got " + key.length);
        }
        return key.clone();
    }

    /** {@code capacity}, checked to be a usable queue capacity. */
    static int requireCapacity(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("queue capacity must be at least 1, got " + capacity);
        }
        return capacity;
    }

    /** {@code value}, checked to be a positive duration; the message names {@code what}. */
    static java.time.Duration requirePositive(java.time.Duration value, String what) {
        return Arguments.positive(value, what);
    }

    static Mac hmac(byte[] key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }

    static byte[] mac(Mac hmac, byte[] previous, String body) {
        hmac.update(previous);
        return hmac.doFinal(body.getBytes(StandardCharsets.UTF_8));
    }

    /** The line for {@code body} (a JSON object without the closing brace's MAC member). */
    static String line(String body, byte[] mac) {
        return body.substring(0, body.length() - 1) + MAC_MEMBER + Base64.getEncoder().encodeToString(mac) + "\"}";
    }

    /** The body a line's MAC covers, or {@code null} when the line has no MAC member at the end. */
    static String body(String line) {
        int at = line.lastIndexOf(MAC_MEMBER);
        if (at < 0 || !line.endsWith("\"}")) {
            return null;
        }
        return line.substring(0, at) + "}";
    }

    /**
     * The MAC a line carries, or {@code null}. Only the canonical base64 text counts: a decoder
     * ignores the unused low bits of the last character, so {@code …A=} and {@code …B=} decode
     * alike, and a changed character there would otherwise go unnoticed.
     */
    static byte[] macOf(String line) {
        int at = line.lastIndexOf(MAC_MEMBER);
        if (at < 0 || !line.endsWith("\"}")) {
            return null;
        }
        String text = line.substring(at + MAC_MEMBER.length(), line.length() - 2);
        try {
            byte[] mac = Base64.getDecoder().decode(text);
            return Base64.getEncoder().encodeToString(mac).equals(text) ? mac : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
