package dev.infrakit.auth;

import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.util.Base64URL;
import dev.infrakit.core.ManualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issuing and verifying tokens, and the attack suite: each attack refused with the right reason. */
class TokenVerifierTest {
    private static final String ISSUER = "https://auth.example.test";
    private static final String AUDIENCE = "credentials-api";
    private static final SigningKey HS = SigningKey.generate(JwsAlgorithm.HS256, "hs-1");
    private static final SigningKey RS = SigningKey.generate(JwsAlgorithm.RS256, "rs-1");
    private static final SigningKey ES = SigningKey.generate(JwsAlgorithm.ES256, "es-1");

    private final ManualClock clock = ManualClock.at(Instant.parse("2026-06-01T12:00:00Z"));

    private TokenIssuer issuer(SigningKey key) {
        return TokenIssuer.builder(key).issuer(ISSUER).audience(AUDIENCE).clock(clock).build();
    }

    private TokenVerifier verifier(VerificationKey... keys) {
        return TokenVerifier.builder(keys).issuer(ISSUER).audience(AUDIENCE).clock(clock).build();
    }

    private TokenVerifier all() {
        return verifier(HS.verificationKey(), RS.verificationKey(), ES.verificationKey());
    }

    private static void refused(AuthResult result, AuthResult.Failure failure, String token) {
        assertFalse(result.ok(), result.toString());
        assertEquals(failure, result.failure().orElseThrow(), result.toString());
        if (token != null && token.length() > 20) {
            assertFalse(result.detail().contains(token.substring(token.length() - 20)), "the detail shows no token");
        }
    }

    private static String b64(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    /** A token with any header and claims, signed by {@code key} whatever the header says. */
    private static String forge(String header, String claims, SigningKey key) throws Exception {
        String input = b64(header) + "." + b64(claims);
        JWSHeader parsed = JWSHeader.parse(Base64URL.encode(header.getBytes(StandardCharsets.UTF_8)));
        JWSHeader signingHeader = new JWSHeader.Builder(com.nimbusds.jose.JWSAlgorithm.parse(key.algorithm().name()))
                .build();
        Base64URL signature = key.signer().sign(parsed.getAlgorithm().getName().equals(key.algorithm().name()) ? parsed
                : signingHeader, input.getBytes(StandardCharsets.US_ASCII));
        return input + "." + signature;
    }

    private String claims() {
        long now = clock.instant().getEpochSecond();
        return "{\"iss\":\"" + ISSUER + "\",\"aud\":\"" + AUDIENCE + "\",\"sub\":\"alice\",\"iat\":" + now + ",\"exp\":"
                + (now + 600) + ",\"roles\":[\"user\"]}";
    }

    @ParameterizedTest
    @EnumSource(JwsAlgorithm.class)
    void everyAlgorithmIssuesAndVerifies(JwsAlgorithm algorithm) {
        SigningKey key = SigningKey.generate(algorithm, "k-" + algorithm.name().toLowerCase(java.util.Locale.ROOT));
        String token = issuer(key).issue("alice", Set.of("user", "admin"));
        AuthResult result = verifier(key.verificationKey()).verify(token);
        assertTrue(result.ok(), result.toString());
        Principal p = result.principal();
        assertEquals("alice", p.subject());
        assertEquals(Set.of("admin", "user"), p.roles());
        assertEquals(Principal.Method.JWT, p.method());
        assertEquals(Instant.parse("2026-06-01T12:15:00Z"), p.expiresAt().orElseThrow());
        assertTrue(p.credentialId().orElseThrow().matches("[0-9a-f-]{36}"), "a random jti");
        assertEquals(ISSUER, p.claims().get("iss"));
        SigningKey fromJwk = SigningKey.fromJwk(key.toJwk());
        assertTrue(verifier(fromJwk.verificationKey()).verify(token).ok(), "a key read back from its JWK verifies");
        assertFalse(key.toString().contains(key.toJwk()));
    }

    @Test
    void tokensExpireAndStartWithTheAllowedSkew() {
        String token = issuer(ES).issue("alice", Set.of());
        clock.advance(Duration.ofMinutes(15).plusSeconds(59));
        assertTrue(all().verify(token).ok(), "within the 60 s skew");
        clock.advance(Duration.ofSeconds(2));
        refused(all().verify(token), AuthResult.Failure.EXPIRED, token);
        ManualClock early = ManualClock.at(Instant.parse("2026-06-01T11:58:00Z"));
        refused(TokenVerifier.builder(ES.verificationKey()).issuer(ISSUER).audience(AUDIENCE).clock(early).build()
                .verify(issuer(ES).issue("alice", Set.of())), AuthResult.Failure.NOT_YET_VALID, null);
    }

    @Test
    void algNoneIsRefused() {
        String header = "{\"alg\":\"none\",\"typ\":\"at+jwt\",\"kid\":\"hs-1\"}";
        String token = b64(header) + "." + b64(claims()) + ".";
        refused(all().verify(token), AuthResult.Failure.ALGORITHM_NOT_ALLOWED, token);
        refused(all().verify(b64("{\"alg\":\"None\",\"typ\":\"at+jwt\"}") + "." + b64(claims()) + ".c2ln"),
                AuthResult.Failure.ALGORITHM_NOT_ALLOWED, null);
    }

    @Test
    void hs256SignedWithTheRsaPublicKeyIsRefused() throws Exception {
        // The classic confusion: the attacker uses the RSA public key's bytes as an HMAC secret.
        byte[] publicKeyBytes = ((com.nimbusds.jose.jwk.RSAKey) com.nimbusds.jose.jwk.JWK.parse(
                RS.verificationKey().toPublicJwk())).toRSAPublicKey().getEncoded();
        String input = b64("{\"alg\":\"HS256\",\"typ\":\"at+jwt\",\"kid\":\"rs-1\"}") + "." + b64(claims());
        String token = input + "." + new MACSigner(publicKeyBytes).sign(new JWSHeader(
                com.nimbusds.jose.JWSAlgorithm.HS256), input.getBytes(StandardCharsets.US_ASCII));
        AuthResult result = all().verify(token);
        refused(result, AuthResult.Failure.ALGORITHM_NOT_ALLOWED, token);
        assertTrue(result.detail().contains("key 'rs-1' is for RS256"), result.detail());
    }

    @Test
    void keysFromTheTokenAreNeverUsed() throws Exception {
        SigningKey attacker = SigningKey.generate(JwsAlgorithm.ES256, "es-1");
        String jwk = attacker.verificationKey().toPublicJwk();
        refused(all().verify(forge("{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":\"es-1\",\"jwk\":" + jwk + "}",
                claims(), attacker)), AuthResult.Failure.UNSAFE_HEADER, null);
        refused(all().verify(forge("{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"jku\":\"https://evil.example/jwks\"}",
                claims(), attacker)), AuthResult.Failure.UNSAFE_HEADER, null);
        refused(all().verify(forge("{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"x5u\":\"https://evil.example/cert\"}",
                claims(), attacker)), AuthResult.Failure.UNSAFE_HEADER, null);
        refused(all().verify(forge("{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"crit\":[\"exp\"]}", claims(), attacker)),
                AuthResult.Failure.UNSAFE_HEADER, null);
        refused(all().verify(forge("{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":\"es-1\"}", claims(), attacker)),
                AuthResult.Failure.BAD_SIGNATURE, null);
    }

    private static String headerWithKid(Object kid) throws Exception {
        return "{\"alg\":\"HS256\",\"typ\":\"at+jwt\",\"kid\":" + new com.fasterxml.jackson.databind.ObjectMapper()
                .writeValueAsString(kid) + "}";
    }

    @Test
    void hostileKeyIdsAreRefusedAsUnsafeWithAReasonThatQuotesNothingRaw() throws Exception {
        Map<Object, String> hostile = new java.util.LinkedHashMap<>();
        hostile.put("k\u0000", "not printable (U+0000");
        hostile.put("k\r\nX-Injected: 1", "not printable (U+000D");
        hostile.put("k\nfake log line", "not printable (U+000A");
        hostile.put("k\u2028", "not printable (U+2028");
        hostile.put("k\u202e", "not printable (U+202E");
        hostile.put("k\u007f", "not printable (U+007F");
        hostile.put("x".repeat(10_000), "longer than 256 characters (10000)");
        hostile.put("x".repeat(257), "longer than 256 characters (257)");
        hostile.put("", "is empty");
        hostile.put(42, "not a string");
        for (Map.Entry<Object, String> e : hostile.entrySet()) {
            TokenVerifier longTokens = TokenVerifier.builder(HS.verificationKey()).issuer(ISSUER).audience(AUDIENCE)
                    .clock(clock).maxLength(20_000).build();
            // refused before any key is looked up, so the signature part is never read
            AuthResult r = longTokens.verify(b64(headerWithKid(e.getKey())) + "." + b64(claims()) + ".c2lnbmF0dXJl");
            refused(r, AuthResult.Failure.UNSAFE_HEADER, null);
            assertTrue(r.detail().contains(e.getValue()), r.detail());
            assertTrue(r.detail().chars().allMatch(c -> c >= 0x20 && c < 0x7f), "printable ASCII only: " + r.detail());
        }
    }

    @Test
    void printableKeyIdsAreOnlyLookupKeysSoPathAndQueryCharactersFindNoKey() throws Exception {
        for (String kid : new String[] {"../../etc/passwd", "x' OR '1'='1", "a;DROP TABLE keys", "..", "a\\b",
                "ab/cd+ef=", "x".repeat(256), "clé ünïcode"}) {
            AuthResult r = all().verify(forge(headerWithKid(kid), claims(), HS));
            refused(r, AuthResult.Failure.UNKNOWN_KEY, null);
            assertTrue(r.detail().length() < 120, "the detail shows at most 64 characters of the id: " + r.detail());
        }
        refused(all().verify(forge("{\"alg\":\"HS256\",\"typ\":\"at+jwt\",\"kid\":\"nobody\"}", claims(), HS)),
                AuthResult.Failure.UNKNOWN_KEY, null);
    }

    @Test
    void aKeyIdWithSlashPlusAndEqualsVerifiesAsCognitosDo() throws Exception {
        String kid = "d3JvbmcvL2tpZCtvZi0zMi1ieXRlcy1oZXJlPT0/+Q=";
        String rsa = RS.verificationKey().toPublicJwk().replace("\"rs-1\"", new com.fasterxml.jackson.databind.ObjectMapper()
                .writeValueAsString(kid));
        TokenVerifier verifier = verifier(VerificationKey.fromJwk(rsa));
        String token = forge("{\"alg\":\"RS256\",\"typ\":\"at+jwt\",\"kid\":\"" + kid + "\"}", claims(), RS);
        assertTrue(verifier.verify(token).ok(), verifier.verify(token).toString());
        assertThrows(IllegalArgumentException.class, () -> VerificationKey.fromJwk(rsa.replace(kid, "a\\u0000b")));
        assertThrows(IllegalArgumentException.class, () -> VerificationKey.fromJwk(rsa.replace(kid, "x".repeat(257))));
    }

    @Test
    void theIdentityProviderSettingsRefuseBadValues() {
        TokenVerifier.Builder b = TokenVerifier.builder(HS.verificationKey()).issuer(ISSUER);
        assertThrows(IllegalArgumentException.class, () -> TokenVerifier.builder(HS.verificationKey()).clientId());
        assertThrows(IllegalArgumentException.class, () -> TokenVerifier.builder(HS.verificationKey()).clientId(" "));
        for (String path : new String[] {"", ".", "a..b", "a.", ".a", "a.b.c.d.e.f.g.h.i"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> TokenVerifier.builder(HS.verificationKey()).rolesClaimPath(path), path);
            assertTrue(e.getMessage().contains("rolesClaimPath"), e.getMessage());
        }
        TokenVerifier.builder(HS.verificationKey()).rolesClaimPath("a.b.c.d.e.f.g.h");
        assertThrows(IllegalStateException.class, () -> TokenVerifier.builder(HS.verificationKey()).rolesClaim("roles")
                .rolesClaimPath("realm_access.roles"), "one roles setting");
        assertThrows(IllegalStateException.class, () -> TokenVerifier.builder(HS.verificationKey()).types("JWT")
                .identityProviderTypes(), "one types setting");
        IllegalStateException none = assertThrows(IllegalStateException.class, b::build);
        assertTrue(none.getMessage().contains("clientId"), none.getMessage());
        TokenVerifier.builder(HS.verificationKey()).issuer(ISSUER).clientId("app").build();
    }

    @Test
    void identityProviderTypesAcceptAtJwtJwtAndNoTypeButNotOtherTypes() throws Exception {
        TokenVerifier verifier = TokenVerifier.builder(HS.verificationKey()).issuer(ISSUER).audience(AUDIENCE).clock(clock)
                .identityProviderTypes().build();
        for (String header : new String[] {"{\"alg\":\"HS256\",\"kid\":\"hs-1\"}",
                "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"hs-1\"}",
                "{\"alg\":\"HS256\",\"typ\":\"at+jwt\",\"kid\":\"hs-1\"}",
                "{\"alg\":\"HS256\",\"typ\":\"application/at+JWT\",\"kid\":\"hs-1\"}"}) {
            assertTrue(verifier.verify(forge(header, claims(), HS)).ok(), header);
        }
        refused(verifier.verify(forge("{\"alg\":\"HS256\",\"typ\":\"logout+jwt\",\"kid\":\"hs-1\"}", claims(), HS)),
                AuthResult.Failure.WRONG_TYPE, null);
        refused(all().verify(forge("{\"alg\":\"HS256\",\"kid\":\"hs-1\"}", claims(), HS)), AuthResult.Failure.WRONG_TYPE,
                null);
    }

    @Test
    void claimsAreChecked() throws Exception {
        long now = clock.instant().getEpochSecond();
        String header = "{\"alg\":\"HS256\",\"typ\":\"at+jwt\",\"kid\":\"hs-1\"}";
        refused(all().verify(forge(header, claims().replace(AUDIENCE, "another-api"), HS)),
                AuthResult.Failure.WRONG_AUDIENCE, null);
        refused(all().verify(forge(header, claims().replace(ISSUER, "https://evil.example"), HS)),
                AuthResult.Failure.WRONG_ISSUER, null);
        refused(all().verify(forge(header, "{\"iss\":\"" + ISSUER + "\",\"aud\":\"" + AUDIENCE + "\",\"sub\":\"a\"}", HS)),
                AuthResult.Failure.MISSING_CLAIM, null);
        refused(all().verify(forge(header, "{\"iss\":\"" + ISSUER + "\",\"aud\":\"" + AUDIENCE + "\",\"exp\":"
                + (now + 60) + "}", HS)), AuthResult.Failure.MISSING_CLAIM, null);
        refused(all().verify(forge(header, claims().replace("\"iat\":" + now, "\"nbf\":" + (now + 3600)), HS)),
                AuthResult.Failure.NOT_YET_VALID, null);
        refused(all().verify(forge(header, claims().replace("\"iat\":" + now, "\"iat\":" + (now + 3600)), HS)),
                AuthResult.Failure.NOT_YET_VALID, null);
        refused(all().verify(forge(header, claims().replace("[\"user\"]", "[1,2]"), HS)),
                AuthResult.Failure.MISSING_CLAIM, null);
        refused(all().verify(forge(header, "[1,2,3]", HS)), AuthResult.Failure.MALFORMED, null);
        AuthResult scope = TokenVerifier.builder(HS.verificationKey()).issuer(ISSUER).audience(AUDIENCE).clock(clock)
                .rolesClaim("scope").build().verify(forge(header, claims().replace("\"roles\":[\"user\"]",
                        "\"scope\":\"read write\""), HS));
        assertEquals(Set.of("read", "write"), scope.principal().roles());
    }

    @Test
    void theTypeIsChecked() throws Exception {
        String claims = claims();
        refused(all().verify(forge("{\"alg\":\"HS256\",\"kid\":\"hs-1\"}", claims, HS)), AuthResult.Failure.WRONG_TYPE,
                null);
        refused(all().verify(forge("{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"hs-1\"}", claims, HS)),
                AuthResult.Failure.WRONG_TYPE, null);
        assertTrue(all().verify(forge("{\"alg\":\"HS256\",\"typ\":\"application/AT+JWT\",\"kid\":\"hs-1\"}", claims, HS))
                .ok(), "typ compares without case and application/ prefix");
        assertTrue(TokenVerifier.builder(HS.verificationKey()).issuer(ISSUER).audience(AUDIENCE).clock(clock)
                .types("JWT", "").build().verify(forge("{\"alg\":\"HS256\",\"kid\":\"hs-1\"}", claims, HS)).ok());
    }

    @Test
    void ecdsaZeroSignaturesAndTamperedEncodingsAreRefused() throws Exception {
        String good = issuer(ES).issue("alice", Set.of("user"));
        String input = good.substring(0, good.lastIndexOf('.'));
        String signature = good.substring(good.lastIndexOf('.') + 1);
        String zeros = Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[64]);
        refused(all().verify(input + "." + zeros), AuthResult.Failure.BAD_SIGNATURE, null); // r = s = 0
        byte[] raw = Base64.getUrlDecoder().decode(signature);
        refused(all().verify(input + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(
                java.util.Arrays.copyOf(raw, 61))), AuthResult.Failure.BAD_SIGNATURE, null); // truncated to 61 bytes
        byte[] der = new byte[72]; // the same signature re-encoded in another form (longer): refused
        System.arraycopy(raw, 0, der, 8, 64);
        refused(all().verify(input + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(der)),
                AuthResult.Failure.BAD_SIGNATURE, null);
        refused(all().verify(input + "." + signature.substring(0, signature.length() - 1)),
                AuthResult.Failure.MALFORMED, null); // not a whole number of bytes
        refused(all().verify(input + "." + signature + "=="), AuthResult.Failure.MALFORMED, null); // padded
        String standard = Base64.getEncoder().encodeToString(Base64.getUrlDecoder().decode(signature));
        if (!standard.replace("=", "").equals(signature)) {
            refused(all().verify(input + "." + standard), AuthResult.Failure.MALFORMED, null); // re-encoded with + and /
        }
        char last = signature.charAt(signature.length() - 1);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        String otherBits = signature.substring(0, signature.length() - 1) + alphabet.charAt(alphabet.indexOf(last) ^ 1);
        refused(all().verify(input + "." + otherBits), AuthResult.Failure.MALFORMED, null); // same bytes, other text
        refused(all().verify(input + "." + signature + ".extra"), AuthResult.Failure.MALFORMED, null);
        refused(all().verify("x".repeat(9000)), AuthResult.Failure.MALFORMED, null);
        refused(all().verify(b64("{\"alg\":\"HS256\",\"alg\":\"none\"}") + "." + b64(claims()) + ".c2ln"),
                AuthResult.Failure.MALFORMED, null); // duplicate member
        assertTrue(all().verify(good).ok());
    }

    @Test
    void keysAreBoundToOneAlgorithmAndMustBeStrongEnough() {
        String rsJwk = RS.verificationKey().toPublicJwk();
        IllegalArgumentException mismatch = assertThrows(IllegalArgumentException.class,
                () -> VerificationKey.fromJwk(rsJwk, JwsAlgorithm.PS256));
        assertTrue(mismatch.getMessage().contains("is for RS256, not PS256"), mismatch.getMessage());
        IllegalArgumentException secret = assertThrows(IllegalArgumentException.class,
                () -> VerificationKey.fromJwk("{\"kty\":\"oct\",\"alg\":\"HS256\",\"k\":\"AAAA\"}"));
        assertTrue(secret.getMessage().contains("needs at least 32"), secret.getMessage());
        IllegalStateException publish = assertThrows(IllegalStateException.class, () -> HS.verificationKey().toPublicJwk());
        assertTrue(publish.getMessage().contains("never published"), publish.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SigningKey.generate(JwsAlgorithm.HS256, "bad/kid"));
        assertThrows(IllegalArgumentException.class, () -> SigningKey.fromJwk(rsJwk), "a public key cannot sign");
        assertThrows(IllegalArgumentException.class, () -> TokenIssuer.builder(HS).issuer(ISSUER).build().issue("a",
                Set.of(), Map.of("exp", 1), Duration.ofMinutes(1)));
        assertThrows(IllegalStateException.class, () -> TokenVerifier.builder(HS.verificationKey()).audience(AUDIENCE)
                .build(), "an issuer must be chosen");
    }
}
