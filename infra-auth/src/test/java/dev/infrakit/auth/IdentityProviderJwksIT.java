package dev.infrakit.auth;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.infrakit.core.ManualClock;
import dev.infrakit.core.health.HealthResult;
import dev.infrakit.core.health.HealthStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tokens from identity providers, verified through {@link RemoteJwks} over a local HTTP server
 * serving JWKS documents shaped like Azure AD's, Cognito's, Keycloak's, Auth0's, Google's and an EC
 * provider's (every key generated here; the documents, token headers and claims have those
 * providers' shapes), and the refusals: a key id whose key cannot be used, an algorithm the key
 * does not allow, an encryption key, hostile key ids in the document.
 */
class IdentityProviderJwksIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Two RSA keys with self-signed certificates (for x5c / x5t), made once by the JDK's keytool. */
    private static RSAKey certifiedA;
    private static RSAKey certifiedB;
    private static String certA;
    private static String certB;

    private final ManualClock clock = ManualClock.at(Instant.parse("2026-06-01T12:00:00Z"));
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicReference<String> document = new AtomicReference<>();
    private HttpServer server;
    private URI uri;

    @BeforeAll
    static void certifiedKeys(@TempDir Path dir) throws Exception {
        certifiedA = keytool(dir, "a");
        certifiedB = keytool(dir, "b");
        certA = Base64.getEncoder().encodeToString(certificate(dir, "a").getEncoded());
        certB = Base64.getEncoder().encodeToString(certificate(dir, "b").getEncoded());
    }

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/jwks", exchange -> {
            requests.incrementAndGet();
            try (exchange) {
                byte[] body = document.get().getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        });
        server.start();
        uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/jwks");
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    // ---- the providers ----

    @Test
    void azureAdKeysPublishNoAlgAndVerifyRs256TokensButNotPs256UnlessAllowed() throws Exception {
        String kidA = base64Url(sha1(certA)).substring(0, 27);
        String kidB = base64Url(sha1(certB)).substring(0, 27);
        String tenant = "9188040d-6c67-4c5b-b112-36a304b66dad";
        String issuer = "https://login.microsoftonline.com/" + tenant + "/v2.0";
        serve(keys(azure(certifiedA, kidA, certA, issuer), azure(certifiedB, kidB, certB, issuer)));
        RemoteJwks jwks = jwks().build();
        TokenVerifier verifier = TokenVerifier.builder(jwks).issuer(issuer).audience("api://orders")
                .identityProviderTypes().clock(clock).build();

        Map<String, Object> claims = claims(issuer, "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ");
        claims.put("aud", "api://orders");
        claims.put("tid", tenant);
        claims.put("oid", "00000000-0000-0000-66f3-3332eca7ea81");
        claims.put("azp", "6e74172b-be56-4843-9ff4-e66a39bb12e3");
        claims.put("scp", "orders.read");
        claims.put("roles", List.of("Orders.Admin"));
        claims.put("ver", "2.0");
        Map<String, Object> header = Map.of("x5t", kidA);
        AuthResult a = verifier.verify(sign(certifiedA, "RS256", kidA, "JWT", header, claims));
        assertTrue(a.ok(), a.toString());
        assertEquals(Set.of("Orders.Admin"), a.principal().roles());
        assertTrue(verifier.verify(sign(certifiedB, "RS256", kidB, "JWT", Map.of(), claims)).ok());
        assertEquals(Set.of(JwsAlgorithm.RS256), jwks.keys(kidA).get(0).algorithms(), "RS256 only by default");
        assertEquals(HealthStatus.UP, health(jwks).status());
        assertTrue(jwks.lastError().isEmpty(), jwks.lastError().toString());

        String ps256 = sign(certifiedA, "PS256", kidA, "JWT", Map.of(), claims);
        refused(verifier.verify(ps256), AuthResult.Failure.ALGORITHM_NOT_ALLOWED, "is for RS256");
        TokenVerifier allowingPss = TokenVerifier.builder(jwks().algorithmsForKeysWithoutAlg(JwsAlgorithm.RS256,
                JwsAlgorithm.PS256).build()).issuer(issuer).audience("api://orders").identityProviderTypes().clock(clock)
                .build();
        assertTrue(allowingPss.verify(ps256).ok(), "PS256 once configured for this issuer");
        refused(allowingPss.verify(sign(certifiedA, "RS512", kidA, "JWT", Map.of(), claims)),
                AuthResult.Failure.ALGORITHM_NOT_ALLOWED, "one of [RS256, PS256]");
    }

    @Test
    void cognitoKidsHoldSlashPlusAndEqualsAndItsAccessTokensCarryClientIdInsteadOfAudience() throws Exception {
        RSAKey one = rsa(2048);
        RSAKey two = rsa(2048);
        String kidSlash = cognitoKid('/');
        String kidPlus = cognitoKid('+');
        String issuer = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123";
        serve(keys(cognito(one, kidSlash), cognito(two, kidPlus)));
        RemoteJwks jwks = jwks().build();
        TokenVerifier verifier = TokenVerifier.builder(jwks).issuer(issuer).clientId("3n4b5urk1ft4fl3mg5e62d9ado")
                .rolesClaim("cognito:groups").identityProviderTypes().clock(clock).build();

        Map<String, Object> access = claims(issuer, "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
        access.put("token_use", "access");
        access.put("client_id", "3n4b5urk1ft4fl3mg5e62d9ado");
        access.put("scope", "orders/read");
        access.put("username", "alice");
        access.put("origin_jti", "a1b2c3");
        access.put("cognito:groups", List.of("admins"));
        AuthResult viaSlash = verifier.verify(sign(one, "RS256", kidSlash, null, Map.of(), access));
        assertTrue(viaSlash.ok(), viaSlash.toString());
        assertEquals(Set.of("admins"), viaSlash.principal().roles());
        assertTrue(verifier.verify(sign(two, "RS256", kidPlus, null, Map.of(), access)).ok(), "the '+' kid too");
        assertEquals(1, requests.get());

        access.put("client_id", "another-app-client");
        refused(verifier.verify(sign(one, "RS256", kidSlash, null, Map.of(), access)), AuthResult.Failure.WRONG_AUDIENCE,
                "client_id");
        access.remove("client_id");
        refused(verifier.verify(sign(one, "RS256", kidSlash, null, Map.of(), access)), AuthResult.Failure.WRONG_AUDIENCE,
                "no client");
    }

    @Test
    void keycloakRsaAndEcSigningKeysVerifyItsEncryptionKeyIsIgnoredAndRealmRolesAreReadFromTheirPath()
            throws Exception {
        RSAKey sig = rsa(2048);
        ECKey ec = new ECKeyGenerator(Curve.P_256).generate();
        RSAKey enc = rsa(2048);
        String issuer = "https://sso.example.test/realms/orders";
        serve(keys(keycloak(sig, "rsa-sig-Xk2", "RS256", "sig"), keycloak(ec, "ec-sig-9Qp", "ES256", "sig"),
                keycloak(enc, "rsa-enc-7Lm", "RSA-OAEP", "enc")));
        RemoteJwks jwks = jwks().build();
        TokenVerifier verifier = TokenVerifier.builder(jwks).issuer(issuer).audience("orders")
                .rolesClaimPath("realm_access.roles").identityProviderTypes().clock(clock).build();

        Map<String, Object> claims = claims(issuer, "f:1b3c:alice");
        claims.put("aud", List.of("orders", "account"));
        claims.put("typ", "Bearer");
        claims.put("azp", "orders-web");
        claims.put("realm_access", Map.of("roles", List.of("offline_access", "user")));
        claims.put("resource_access", Map.of("orders", Map.of("roles", List.of("admin"))));
        claims.put("preferred_username", "alice");
        AuthResult rs = verifier.verify(sign(sig, "RS256", "rsa-sig-Xk2", "JWT", Map.of(), claims));
        assertTrue(rs.ok(), rs.toString());
        assertEquals(Set.of("offline_access", "user"), rs.principal().roles());
        assertTrue(verifier.verify(sign(ec, "ES256", "ec-sig-9Qp", "JWT", Map.of(), claims)).ok(), "the EC key");
        TokenVerifier clientRoles = TokenVerifier.builder(jwks).issuer(issuer).audience("orders")
                .rolesClaimPath("resource_access.orders.roles").identityProviderTypes().clock(clock).build();
        assertEquals(Set.of("admin"), clientRoles.verify(sign(sig, "RS256", "rsa-sig-Xk2", "JWT", Map.of(), claims))
                .principal().roles());

        // The encryption key is never a signing key, and leaving it out is no sign of trouble.
        assertEquals(HealthStatus.UP, health(jwks).status());
        assertTrue(jwks.lastError().isEmpty(), jwks.lastError().toString());
        refused(verifier.verify(sign(enc, "RS256", "rsa-enc-7Lm", "JWT", Map.of(), claims)),
                AuthResult.Failure.UNUSABLE_KEY, "for enc (use), never used for signatures");
        refused(verifier.verify(sign(enc, "RS256", null, "JWT", Map.of(), claims)), AuthResult.Failure.BAD_SIGNATURE,
                "does not verify");
        assertEquals(1, requests.get(), "a known-unusable key id causes no refetch");

        claims.put("realm_access", Map.of("roles", List.of("user", 7)));
        refused(verifier.verify(sign(sig, "RS256", "rsa-sig-Xk2", "JWT", Map.of(), claims)),
                AuthResult.Failure.MISSING_CLAIM, "realm_access.roles claim must hold strings");
        claims.put("realm_access", List.of("user"));
        refused(verifier.verify(sign(sig, "RS256", "rsa-sig-Xk2", "JWT", Map.of(), claims)),
                AuthResult.Failure.MISSING_CLAIM, "realm_access claim must be an object");
        claims.remove("realm_access");
        assertEquals(Set.of(), verifier.verify(sign(sig, "RS256", "rsa-sig-Xk2", "JWT", Map.of(), claims)).principal()
                .roles(), "a path that ends early holds no roles");
    }

    @Test
    void auth0KeysWithAlgAndCertificatesVerifyJwtAndAtJwtTokensWithNamespacedRoles() throws Exception {
        String issuer = "https://orders-tenant.eu.auth0.com/";
        serve(keys(auth0(certifiedA, "kQ8sWq1vY2Zr3Jm4Hn5Tb", certA), auth0(certifiedB, "pL0dXc7Vb6Nm5Kj4Hg3Fd", certB)));
        RemoteJwks jwks = jwks().build();
        TokenVerifier verifier = TokenVerifier.builder(jwks).issuer(issuer).audience("https://orders.example.test")
                .rolesClaim("https://orders.example.test/roles").identityProviderTypes().clock(clock).build();

        Map<String, Object> claims = claims(issuer, "auth0|64f1c2d3e4b5a6978812abcd");
        claims.put("aud", List.of("https://orders.example.test", issuer + "userinfo"));
        claims.put("azp", "Yx2Wv3Ut4Sr5Qp6On7Ml8Kj9Ih0Gf1Ed");
        claims.put("scope", "openid read:orders");
        claims.put("permissions", List.of("read:orders"));
        claims.put("https://orders.example.test/roles", List.of("admin"));
        AuthResult jwt = verifier.verify(sign(certifiedA, "RS256", "kQ8sWq1vY2Zr3Jm4Hn5Tb", "JWT", Map.of(), claims));
        assertTrue(jwt.ok(), jwt.toString());
        assertEquals(Set.of("admin"), jwt.principal().roles(), "a claim name with dots is one name in rolesClaim");
        AuthResult rfc9068 = verifier.verify(sign(certifiedB, "RS256", "pL0dXc7Vb6Nm5Kj4Hg3Fd", "at+jwt", Map.of(),
                claims));
        assertTrue(rfc9068.ok(), rfc9068.toString());
        refused(verifier.verify(sign(certifiedB, "RS256", "pL0dXc7Vb6Nm5Kj4Hg3Fd", "id_token+jwt", Map.of(), claims)),
                AuthResult.Failure.WRONG_TYPE, "type");
    }

    @Test
    void googleSeveralKeysEachVerifyItsOwnTokensOnly() throws Exception {
        List<RSAKey> keys = List.of(rsa(2048), rsa(2048), rsa(2048));
        List<String> kids = new ArrayList<>();
        List<Map<String, Object>> jwk = new ArrayList<>();
        for (RSAKey k : keys) {
            byte[] id = new byte[20];
            RANDOM.nextBytes(id);
            String kid = hex(id);
            kids.add(kid);
            Map<String, Object> m = publicJwk(k);
            m.put("kid", kid);
            m.put("alg", "RS256");
            m.put("use", "sig");
            jwk.add(m);
        }
        serve(keys(jwk.toArray(new Map<?, ?>[0])));
        RemoteJwks jwks = jwks().build();
        String issuer = "https://accounts.google.com";
        String client = "1234987819200-abcdefghijklmnop.apps.googleusercontent.com";
        TokenVerifier verifier = TokenVerifier.builder(jwks).issuer(issuer, "accounts.google.com").audience(client)
                .identityProviderTypes().clock(clock).build();
        Map<String, Object> claims = claims(issuer, "110169484474386276334");
        claims.put("aud", client);
        claims.put("azp", client);
        claims.put("email", "alice@example.test");
        claims.put("email_verified", true);
        for (int i = 0; i < keys.size(); i++) {
            AuthResult r = verifier.verify(sign(keys.get(i), "RS256", kids.get(i), "JWT", Map.of(), claims));
            assertTrue(r.ok(), kids.get(i) + ": " + r);
            refused(verifier.verify(sign(keys.get(i), "RS256", kids.get((i + 1) % keys.size()), "JWT", Map.of(), claims)),
                    AuthResult.Failure.BAD_SIGNATURE, "does not verify");
        }
        assertEquals(3, jwks.keys(null).size());
        assertEquals(1, requests.get());
    }

    @Test
    void ecKeysWithoutAlgVerifyTheAlgorithmOfTheirCurveOnly() throws Exception {
        ECKey p256 = new ECKeyGenerator(Curve.P_256).generate();
        ECKey p384 = new ECKeyGenerator(Curve.P_384).generate();
        serve(keys(ecWithoutAlg(p256, "ec-2026-06"), ecWithoutAlg(p384, "ec-384")));
        RemoteJwks jwks = jwks().build();
        String issuer = "https://id.ec-provider.example.test";
        TokenVerifier verifier = ordersVerifier(jwks, issuer);
        Map<String, Object> claims = ordersClaims(issuer, "user-1");
        AuthResult es256 = verifier.verify(sign(p256, "ES256", "ec-2026-06", "at+jwt", Map.of(), claims));
        assertTrue(es256.ok(), es256.toString());
        assertTrue(verifier.verify(sign(p384, "ES384", "ec-384", "at+jwt", Map.of(), claims)).ok());
        assertEquals(Set.of(JwsAlgorithm.ES256), jwks.keys("ec-2026-06").get(0).algorithms());
        // The token cannot pick another algorithm for the key: its curve fixes it (RFC 7518 section 3.4).
        refused(verifier.verify(sign(p384, "ES384", "ec-2026-06", "at+jwt", Map.of(), claims)),
                AuthResult.Failure.ALGORITHM_NOT_ALLOWED, "is for ES256");
        refused(verifier.verify(sign(certifiedA, "RS256", "ec-2026-06", "at+jwt", Map.of(), claims)),
                AuthResult.Failure.ALGORITHM_NOT_ALLOWED, "is for ES256");
        refused(verifier.verify(forgeHs256("ec-2026-06", jwks.keys("ec-2026-06").get(0).toPublicJwk(), claims)),
                AuthResult.Failure.ALGORITHM_NOT_ALLOWED, "is for ES256");
    }

    // ---- the refusals ----

    @Test
    void aKeyIdWhoseKeyCannotBeUsedIsRefusedWithWhyAndReportedInLastErrorAndHealth() throws Exception {
        RSAKey good = rsa(2048);
        RSAKey weak = rsa(1024);
        KeyPair ed = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        byte[] spki = ed.getPublic().getEncoded();
        Map<String, Object> okp = new LinkedHashMap<>();
        okp.put("kty", "OKP");
        okp.put("crv", "Ed25519");
        okp.put("kid", "ed-1");
        okp.put("x", base64Url(Arrays.copyOfRange(spki, spki.length - 32, spki.length)));
        Map<String, Object> weakJwk = publicJwk(weak);
        weakJwk.put("kid", "weak-1");
        Map<String, Object> goodJwk = publicJwk(good);
        goodJwk.put("kid", "good-1");
        serve(keys(goodJwk, weakJwk, okp));
        RemoteJwks jwks = jwks().build();
        String issuer = "https://idp.example.test";
        TokenVerifier verifier = ordersVerifier(jwks, issuer);
        Map<String, Object> claims = ordersClaims(issuer, "alice");

        assertTrue(verifier.verify(sign(good, "RS256", "good-1", null, Map.of(), claims)).ok());
        clock.advance(java.time.Duration.ofSeconds(31)); // past minRefetchInterval: an unknown key id may refetch now
        refused(verifier.verify(sign(weak, "RS256", "weak-1", null, Map.of(), claims)), AuthResult.Failure.UNUSABLE_KEY,
                "has 1024 bits; at least 2048 are needed");
        refused(verifier.verify(sign(good, "RS256", "ed-1", null, Map.of(), claims)), AuthResult.Failure.UNUSABLE_KEY,
                "EdDSA, which this library does not support");
        refused(verifier.verify(sign(good, "RS256", "nobody", null, Map.of(), claims)), AuthResult.Failure.UNKNOWN_KEY,
                "no key with id 'nobody'");
        assertEquals(2, requests.get(), "only the unknown id caused a refetch, not the unusable ones");
        assertEquals(1, verifier.verify(sign(weak, "RS256", "weak-1", null, Map.of(), claims)).detail()
                .split("1024 bits", -1).length - 1, "the reason once");

        String error = jwks.lastError().orElseThrow();
        assertTrue(error.startsWith("2 signing keys were left out"), error);
        assertTrue(error.contains("'weak-1'") && error.contains("1024 bits") && error.contains("'ed-1'"), error);
        HealthResult health = health(jwks);
        assertEquals(HealthStatus.DEGRADED, health.status(), health.toString());
        assertTrue(health.output().orElseThrow().contains("1024 bits"), health.toString());
        assertEquals(2, health.details().get("unusableKeys"), health.toString());

        serve(keys(goodJwk));
        clock.advance(java.time.Duration.ofMinutes(6));
        jwks.keys("good-1"); // the refresh runs on the calling thread (executor Runnable::run)
        assertTrue(jwks.lastError().isEmpty(), jwks.lastError().toString());
        assertEquals(HealthStatus.UP, health(jwks).status(), "UP again once every signing key is usable");
    }

    @Test
    void hostileKeyIdsInTheDocumentAreLeftOutWithAReasonAndTheOtherKeysStillVerify() throws Exception {
        RSAKey good = rsa(2048);
        Map<String, Object> goodJwk = publicJwk(good);
        goodJwk.put("kid", "good-1");
        goodJwk.put("alg", "RS256");
        List<Map<String, Object>> all = new ArrayList<>(List.of(goodJwk));
        for (String kid : new String[] {"nul\u0000kid", "crlf\r\nX-Injected: 1", "sep\u2028kid", "k".repeat(10_000), ""}) {
            Map<String, Object> m = publicJwk(rsa(2048));
            m.put("kid", kid);
            m.put("alg", "RS256");
            all.add(m);
        }
        serve(keys(all.toArray(new Map<?, ?>[0])));
        RemoteJwks jwks = jwks().build();
        String issuer = "https://idp.example.test";
        TokenVerifier verifier = ordersVerifier(jwks, issuer);
        Map<String, Object> claims = ordersClaims(issuer, "alice");
        assertTrue(verifier.verify(sign(good, "RS256", "good-1", "at+jwt", Map.of(), claims)).ok());
        assertEquals(List.of("good-1"), List.of(jwks.keys(null).get(0).kid().orElseThrow()));
        String error = jwks.lastError().orElseThrow();
        assertTrue(error.startsWith("5 signing keys were left out"), error);
        for (String reason : new String[] {"U+0000", "U+000D", "U+2028", "longer than 256 characters (10000)", "is empty"}) {
            assertTrue(error.contains(reason), reason + " in " + error);
        }
        assertTrue(error.chars().allMatch(c -> c >= 0x20 && c < 0x7f), "printable ASCII only: " + error);
        assertTrue(error.length() < 2500, "bounded: " + error.length());
    }

    @Test
    void anAllowListWithoutTheKeysTypeLeavesItOutAndItsTokensAreRefusedAsUnusable() throws Exception {
        ECKey p256 = new ECKeyGenerator(Curve.P_256).generate();
        ECKey p384 = new ECKeyGenerator(Curve.P_384).generate();
        serve(keys(ecWithoutAlg(p256, "ec-256"), ecWithoutAlg(p384, "ec-384")));
        RemoteJwks jwks = jwks().algorithmsForKeysWithoutAlg(JwsAlgorithm.ES256).build();
        String issuer = "https://idp.example.test";
        TokenVerifier verifier = ordersVerifier(jwks, issuer);
        Map<String, Object> claims = ordersClaims(issuer, "alice");
        assertTrue(verifier.verify(sign(p256, "ES256", "ec-256", "at+jwt", Map.of(), claims)).ok());
        refused(verifier.verify(sign(p384, "ES384", "ec-384", "at+jwt", Map.of(), claims)), AuthResult.Failure.UNUSABLE_KEY,
                "its curve means ES384, which is not allowed for such keys");
        assertEquals(HealthStatus.DEGRADED, health(jwks).status());

        assertThrows(IllegalArgumentException.class, () -> jwks().algorithmsForKeysWithoutAlg(JwsAlgorithm.HS256));
        assertThrows(IllegalArgumentException.class, () -> jwks().algorithmsForKeysWithoutAlg());
        assertThrows(IllegalStateException.class, () -> jwks().algorithmsForKeysWithoutAlg(JwsAlgorithm.RS256)
                .algorithmsForKeysWithoutAlg(JwsAlgorithm.RS256));
    }

    // ---- documents in the providers' shapes ----

    private static Map<String, Object> azure(RSAKey key, String kid, String cert, String issuer) throws Exception {
        Map<String, Object> m = publicJwk(key);
        m.put("use", "sig");
        m.put("kid", kid);
        m.put("x5t", base64Url(sha1(cert)));
        m.put("x5c", List.of(cert));
        m.put("issuer", issuer);
        return m;
    }

    private static Map<String, Object> cognito(RSAKey key, String kid) {
        Map<String, Object> m = publicJwk(key);
        m.put("alg", "RS256");
        m.put("kid", kid);
        m.put("use", "sig");
        return m;
    }

    private static Map<String, Object> keycloak(JWK key, String kid, String alg, String use) {
        Map<String, Object> m = publicJwk(key);
        m.put("kid", kid);
        m.put("alg", alg);
        m.put("use", use);
        return m;
    }

    private static Map<String, Object> auth0(RSAKey key, String kid, String cert) throws Exception {
        Map<String, Object> m = publicJwk(key);
        m.put("use", "sig");
        m.put("kid", kid);
        m.put("x5t", base64Url(sha1(cert)));
        m.put("x5c", List.of(cert));
        m.put("alg", "RS256");
        return m;
    }

    private static Map<String, Object> ecWithoutAlg(ECKey key, String kid) {
        Map<String, Object> m = publicJwk(key);
        m.put("kid", kid);
        m.put("use", "sig");
        return m;
    }

    private static String keys(Map<?, ?>... keys) throws Exception {
        return JSON.writeValueAsString(Map.of("keys", List.of(keys)));
    }

    private static Map<String, Object> publicJwk(JWK key) {
        return new LinkedHashMap<>(key.toPublicJWK().toJSONObject());
    }

    /** Standard base64 of 32 random bytes holding {@code c}, as Cognito's key ids are. */
    private static String cognitoKid(char c) {
        while (true) {
            byte[] bytes = new byte[32];
            RANDOM.nextBytes(bytes);
            String kid = Base64.getEncoder().encodeToString(bytes);
            if (kid.indexOf(c) >= 0 && kid.endsWith("=")) {
                return kid;
            }
        }
    }

    // ---- tokens ----

    /** A verifier for the audience {@code orders} of {@code issuer}, as the IdP examples wire it. */
    private TokenVerifier ordersVerifier(RemoteJwks jwks, String issuer) {
        return TokenVerifier.builder(jwks).issuer(issuer).audience("orders").identityProviderTypes().clock(clock).build();
    }

    private Map<String, Object> ordersClaims(String issuer, String subject) {
        Map<String, Object> claims = claims(issuer, subject);
        claims.put("aud", "orders");
        return claims;
    }

    private Map<String, Object> claims(String issuer, String subject) {
        long now = clock.instant().getEpochSecond();
        Map<String, Object> claims = new HashMap<>();
        claims.put("iss", issuer);
        claims.put("sub", subject);
        claims.put("iat", now);
        claims.put("nbf", now);
        claims.put("exp", now + 3600);
        claims.put("jti", "jti-" + RANDOM.nextInt(1_000_000));
        return claims;
    }

    private static String sign(JWK key, String alg, String kid, String typ, Map<String, Object> header,
            Map<String, Object> claims) throws Exception {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("alg", alg);
        if (typ != null) {
            h.put("typ", typ);
        }
        if (kid != null) {
            h.put("kid", kid);
        }
        h.putAll(header);
        JWTClaimsSet.Builder c = new JWTClaimsSet.Builder();
        claims.forEach(c::claim);
        SignedJWT jwt = new SignedJWT(JWSHeader.parse(h), c.build());
        if (key instanceof RSAKey && ((RSAKey) key).size() < 2048) {
            // nimbus refuses to sign with a weak key; the JDK does not
            java.security.Signature rs256 = java.security.Signature.getInstance("SHA256withRSA");
            rs256.initSign(((RSAKey) key).toPrivateKey());
            rs256.update(jwt.getSigningInput());
            return new String(jwt.getSigningInput(), StandardCharsets.US_ASCII) + "." + base64Url(rs256.sign());
        }
        JWSSigner signer = key instanceof RSAKey ? new RSASSASigner((RSAKey) key) : new ECDSASigner((ECKey) key);
        jwt.sign(signer);
        return jwt.serialize();
    }

    /** HS256 with the key's public JWK as the secret: the classic confusion attack. */
    private static String forgeHs256(String kid, String publicJwk, Map<String, Object> claims) throws Exception {
        String input = base64Url(("{\"alg\":\"HS256\",\"typ\":\"at+jwt\",\"kid\":\"" + kid + "\"}")
                .getBytes(StandardCharsets.UTF_8)) + "." + base64Url(JSON.writeValueAsBytes(claims));
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(publicJwk.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return input + "." + base64Url(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
    }

    // ---- helpers ----

    private RemoteJwks.Builder jwks() {
        return RemoteJwks.builder(uri).allowHttp(true).ticker(clock).clock(clock).executor(Runnable::run);
    }

    private void serve(String json) {
        document.set(json);
    }

    private static HealthResult health(RemoteJwks jwks) throws Exception {
        return jwks.healthCheck().check();
    }

    private static void refused(AuthResult result, AuthResult.Failure failure, String detail) {
        assertFalse(result.ok(), result.toString());
        assertEquals(failure, result.failure().orElseThrow(), result.toString());
        assertTrue(result.detail().contains(detail), result.detail());
    }

    private static RSAKey rsa(int bits) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(bits);
        KeyPair pair = g.generateKeyPair();
        return new RSAKey.Builder((RSAPublicKey) pair.getPublic()).privateKey(pair.getPrivate()).build();
    }

    private static String base64Url(byte[] bytes) {
        return Base64URL.encode(bytes).toString();
    }

    private static byte[] sha1(String base64Der) throws Exception {
        return MessageDigest.getInstance("SHA-1").digest(Base64.getDecoder().decode(base64Der));
    }

    private static String hex(byte[] bytes) {
        StringBuilder s = new StringBuilder();
        for (byte b : bytes) {
            s.append(String.format("%02x", b));
        }
        return s.toString();
    }

    /** An RSA key with a self-signed certificate made by the JDK's keytool (the JDK has no API for it). */
    private static RSAKey keytool(Path dir, String alias) throws Exception {
        Path store = dir.resolve(alias + ".p12");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", alias, "-keyalg", "RSA", "-keysize", "2048", "-sigalg", "SHA256withRSA",
                "-dname", "CN=idp-" + alias, "-validity", "30", "-storetype", "PKCS12", "-keystore", store.toString(),
                "-storepass", "changeit", "-keypass", "changeit").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "keytool finished");
        assertEquals(0, p.exitValue(), out);
        KeyStore ks = load(store);
        PrivateKey key = (PrivateKey) ks.getKey(alias, "changeit".toCharArray());
        RSAPublicKey pub = (RSAPublicKey) ks.getCertificate(alias).getPublicKey();
        return new RSAKey.Builder(pub).privateKey((RSAPrivateKey) key).build();
    }

    private static X509Certificate certificate(Path dir, String alias) throws Exception {
        return (X509Certificate) load(dir.resolve(alias + ".p12")).getCertificate(alias);
    }

    private static KeyStore load(Path store) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (var in = java.nio.file.Files.newInputStream(store)) {
            ks.load(in, "changeit".toCharArray());
        }
        return ks;
    }
}
