package dev.infrakit.auth;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PasswordHasherTest {
    /** Cheap but within the builder's limits. */
    private static final PasswordHasher FAST = PasswordHasher.builder().iterations(10_000).build();

    /*
     * Expected values computed independently with Python 3:
     *   hashlib.pbkdf2_hmac('sha256', 'correct horse battery staple'.encode(), bytes(range(16)), 10000, 32)
     *   hashlib.pbkdf2_hmac('sha256', 'pässwörd'.encode('utf-8'), b'saltsaltsaltsalt', 1, 32)
     * encoded as base64 without padding.
     */
    private static final String KNOWN_10000 =
            "$pbkdf2-sha256$i=10000,l=32$AAECAwQFBgcICQoLDA0ODw$2flfZcLfnShdJogjAMpb4p4+1QBVZmODXExi4nBRUCI";
    private static final String KNOWN_UTF8_HASH = "3XB5FZR0jgocBTALTEuDmOxUiTd9TSh4dGYSdxN8dzc";

    private static char[] pw(String s) {
        return s.toCharArray();
    }

    @Test
    void roundTrip() {
        String encoded = FAST.hash(pw("s3cret-pa55"));
        assertTrue(encoded.startsWith("$pbkdf2-sha256$i=10000,l=32$"), encoded);
        assertTrue(FAST.verify(pw("s3cret-pa55"), encoded));
    }

    @Test
    void wrongPasswordDoesNotVerify() {
        String encoded = FAST.hash(pw("s3cret-pa55"));
        assertFalse(FAST.verify(pw("s3cret-pa56"), encoded));
        assertFalse(FAST.verify(pw("S3cret-pa55"), encoded));
        assertFalse(FAST.verify(pw("s3cret-pa55 "), encoded));
    }

    @Test
    void eachHashHasItsOwnSalt() {
        assertNotEquals(FAST.hash(pw("same")), FAST.hash(pw("same")));
    }

    @Test
    void encodingHasTheDocumentedShape() {
        String encoded = PasswordHasher.builder().iterations(10_000).saltLength(24).hashLength(48).build()
                .hash(pw("x"));
        assertTrue(Pattern.matches("\\$pbkdf2-sha256\\$i=10000,l=48\\$[A-Za-z0-9+/]{32}\\$[A-Za-z0-9+/]{64}", encoded),
                encoded);
    }

    @Test
    void verifiesAHashComputedByPython() {
        assertTrue(FAST.verify(pw("correct horse battery staple"), KNOWN_10000));
        assertFalse(FAST.verify(pw("correct horse battery stapler"), KNOWN_10000));
    }

    @Test
    void producesTheHashComputedByPython() {
        byte[] salt = new byte[16];
        for (int i = 0; i < salt.length; i++) {
            salt[i] = (byte) i;
        }
        assertEquals(KNOWN_10000, FAST.hash(pw("correct horse battery staple"), salt));
    }

    @Test
    void encodesThePasswordAsUtf8() {
        byte[] salt = "saltsaltsaltsalt".getBytes(StandardCharsets.US_ASCII);
        String encoded = PasswordHasher.forTesting(1).hash(pw("pässwörd"), salt);
        assertEquals("$pbkdf2-sha256$i=1,l=32$" + Base64.getEncoder().withoutPadding().encodeToString(salt) + "$"
                + KNOWN_UTF8_HASH, encoded);
    }

    @Test
    void defaultsAreOwaspFigures() {
        PasswordHasher defaults = PasswordHasher.defaults();
        assertEquals(600_000, defaults.iterations());
        assertEquals(16, defaults.saltLength());
        assertEquals(32, defaults.hashLength());
    }

    @Test
    void needsRehashWhenParametersRise() {
        String old = FAST.hash(pw("pw"));
        assertFalse(FAST.needsRehash(old));
        assertTrue(PasswordHasher.builder().iterations(20_000).build().needsRehash(old));
        assertTrue(PasswordHasher.builder().iterations(10_000).saltLength(32).build().needsRehash(old));
        assertTrue(PasswordHasher.builder().iterations(10_000).hashLength(64).build().needsRehash(old));
        assertFalse(PasswordHasher.forTesting(5_000).needsRehash(old), "fewer iterations than stored: no rehash");
        assertTrue(FAST.needsRehash(PasswordHasher.forTesting(1).hash(pw("pw"))));
    }

    @Test
    void needsRehashForAnotherAlgorithm() {
        assertTrue(FAST.needsRehash("$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2g"));
        assertTrue(FAST.needsRehash("$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"));
    }

    @Test
    void verifyAndUpgradeRehashesOnlyWhenVerifiedAndWeaker() {
        PasswordHasher stronger = PasswordHasher.builder().iterations(12_000).build();
        String old = FAST.hash(pw("pw"));

        PasswordHasher.Verification wrong = stronger.verifyAndUpgrade(pw("nope"), old);
        assertFalse(wrong.verified());
        assertTrue(wrong.upgradedHash().isEmpty());

        PasswordHasher.Verification upgraded = stronger.verifyAndUpgrade(pw("pw"), old);
        assertTrue(upgraded.verified());
        String fresh = upgraded.upgradedHash().orElseThrow();
        assertTrue(fresh.startsWith("$pbkdf2-sha256$i=12000,l=32$"), fresh);
        assertTrue(stronger.verify(pw("pw"), fresh));
        assertFalse(stronger.needsRehash(fresh));
        assertFalse(upgraded.toString().contains(fresh));

        PasswordHasher.Verification current = stronger.verifyAndUpgrade(pw("pw"), fresh);
        assertTrue(current.verified());
        assertTrue(current.upgradedHash().isEmpty());
    }

    @Test
    void passwordIsLeftIntact() {
        char[] password = pw("keep-me");
        String encoded = FAST.hash(password);
        FAST.verify(password, encoded);
        assertTrue(Arrays.equals(pw("keep-me"), password));
    }

    @Test
    void refusesEmptyAndOverlongPasswords() {
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class, () -> FAST.hash(new char[0]));
        assertTrue(empty.getMessage().contains("must not be empty"), empty.getMessage());
        String encoded = FAST.hash(pw("x"));
        assertThrows(IllegalArgumentException.class, () -> FAST.verify(new char[0], encoded));

        char[] max = new char[1024];
        Arrays.fill(max, 'a');
        assertTrue(FAST.verify(max, FAST.hash(max)));
        IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class,
                () -> FAST.hash(new char[1025]));
        assertTrue(tooLong.getMessage().contains("at most 1024"), tooLong.getMessage());
        assertThrows(IllegalArgumentException.class, () -> FAST.verify(new char[1025], encoded));
    }

    @Test
    void builderRefusesWeakOrAbsurdSettings() {
        assertEquals("iterations must be 10000 to 10000000, got 9999",
                assertThrows(IllegalArgumentException.class, () -> PasswordHasher.builder().iterations(9_999))
                        .getMessage());
        assertThrows(IllegalArgumentException.class, () -> PasswordHasher.builder().iterations(10_000_001));
        assertThrows(IllegalArgumentException.class, () -> PasswordHasher.builder().saltLength(15));
        assertThrows(IllegalArgumentException.class, () -> PasswordHasher.builder().saltLength(65));
        assertThrows(IllegalArgumentException.class, () -> PasswordHasher.builder().hashLength(15));
        assertThrows(IllegalArgumentException.class, () -> PasswordHasher.builder().hashLength(65));
        assertThrows(IllegalArgumentException.class, () -> PasswordHasher.forTesting(0));
        assertEquals(1, PasswordHasher.forTesting(1).iterations());
    }

    @Test
    void rejectsMalformedEncodingsWithoutEchoingThem() {
        String salt = "AAECAwQFBgcICQoLDA0ODw";
        String hash = "2flfZcLfnShdJogjAMpb4p4+1QBVZmODXExi4nBRUCI";
        assertMalformed("does not start with '$'", "pbkdf2-sha256$i=10000,l=32$" + salt + "$" + hash);
        assertMalformed("algorithm id", "$pbkdf2-sha512$i=10000,l=32$" + salt + "$" + hash);
        assertMalformed("algorithm id", "$pbkdf2$i=10000,l=32$" + salt + "$" + hash);
        assertMalformed("expected 4 fields", "$pbkdf2-sha256$i=10000,l=32$" + hash);
        assertMalformed("expected 4 fields", "$pbkdf2-sha256$i=10000,l=32$" + salt + "$" + hash + "$");
        assertMalformed("expected 4 fields", "$pbkdf2-sha256");
        assertMalformed("parameters", "$pbkdf2-sha256$l=32,i=10000$" + salt + "$" + hash);
        assertMalformed("parameters", "$pbkdf2-sha256$i=10000$" + salt + "$" + hash);
        assertMalformed("iteration count 0 is outside", "$pbkdf2-sha256$i=0,l=32$" + salt + "$" + hash);
        assertMalformed("iteration count 10000001 is outside", "$pbkdf2-sha256$i=10000001,l=32$" + salt + "$" + hash);
        assertMalformed("iteration count is not a decimal", "$pbkdf2-sha256$i=999999999999,l=32$" + salt + "$" + hash);
        assertMalformed("iteration count is not a decimal", "$pbkdf2-sha256$i=-5,l=32$" + salt + "$" + hash);
        assertMalformed("iteration count is not a decimal", "$pbkdf2-sha256$i=010000,l=32$" + salt + "$" + hash);
        assertMalformed("iteration count is not a decimal", "$pbkdf2-sha256$i=,l=32$" + salt + "$" + hash);
        assertMalformed("hash length 8 is outside", "$pbkdf2-sha256$i=10000,l=8$" + salt + "$" + hash);
        assertMalformed("the hash is 32 bytes but l=33", "$pbkdf2-sha256$i=10000,l=33$" + salt + "$" + hash);
        assertMalformed("salt is not base64", "$pbkdf2-sha256$i=10000,l=32$" + salt + "=$" + hash);
        assertMalformed("salt is not base64", "$pbkdf2-sha256$i=10000,l=32$AAEC-_QFBgcICQoLDA0ODw$" + hash);
        assertMalformed("hash is not base64", "$pbkdf2-sha256$i=10000,l=32$" + salt + "$" + hash + "=");
        assertMalformed("hash is not valid base64", "$pbkdf2-sha256$i=10000,l=32$" + salt + "$" + hash + "AA");
        assertMalformed("salt is empty", "$pbkdf2-sha256$i=10000,l=32$$" + hash);
        assertMalformed("hash is empty", "$pbkdf2-sha256$i=10000,l=32$" + salt + "$");
        assertMalformed("salt is 3 bytes", "$pbkdf2-sha256$i=10000,l=32$AAEC$" + hash);
        assertMalformed("at most 512", "$pbkdf2-sha256$i=10000,l=32$" + salt + "$" + "A".repeat(600));
        assertMalformed("does not start with '$'", "correct horse battery staple");
    }

    @Test
    void needsRehashRejectsAMalformedPbkdf2Encoding() {
        assertThrows(IllegalArgumentException.class,
                () -> FAST.needsRehash("$pbkdf2-sha256$i=0,l=32$AAECAwQFBgcICQoLDA0ODw$AAAA"));
    }

    private static void assertMalformed(String expected, String encoded) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FAST.verify(pw("correct horse battery staple"), encoded), encoded);
        String message = e.getMessage();
        assertTrue(message.startsWith("Not a valid pbkdf2-sha256 password hash: "), message);
        assertTrue(message.contains(expected), "expected '" + expected + "' in: " + message);
        for (String part : encoded.split("\\$")) {
            if (part.length() >= 8 && !part.equals("pbkdf2-sha256")) {
                assertFalse(message.contains(part), "message echoes part of the encoding: " + message);
            }
        }
        assertFalse(message.contains("correct horse"), message);
        assertEquals(null, e.getCause());
    }
}
