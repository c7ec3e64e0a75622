package dev.infrakit.auth;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.util.Base64URL;

import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.Base64;
import java.util.Iterator;
import java.util.Set;

/**
 * The JWS signature layer under the JWT checks: strict parsing of a compact JWS, the header rules,
 * the binding of the algorithm to the key, and the signature check.
 * <ul>
 *   <li>Exactly three parts; each part strict base64url (only {@code A-Z a-z 0-9 - _}, no padding,
 *   canonical: the unused bits of the last character must be zero).</li>
 *   <li>The header is a JSON object without duplicate members, with a string {@code alg} that is
 *   one of {@link JwsAlgorithm} ({@code none} is not).</li>
 *   <li>Refused header members: {@code jwk}, {@code jku}, {@code x5u}, {@code x5c} (a key chosen by
 *   the token is never used), {@code crit} and {@code b64} (no extension is understood).</li>
 *   <li>The header's algorithm must be one the key allows; the signature must have its algorithm's length
 *   (ECDSA) and verify.</li>
 * </ul>
 */
final class Jws {
    private static final ObjectMapper JSON = JsonMapper.builder().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();
    private static final Set<String> REFUSED = Set.of("jwk", "jku", "x5u", "x5c", "crit", "b64");

    private Jws() {
    }

    /** A compact JWS taken apart, or the reason it could not be. */
    static final class Parsed {
        final String signingInput;
        final Base64URL headerPart;
        final JsonNode header;
        final JwsAlgorithm algorithm;
        final String kid;
        final byte[] payload;
        final Base64URL signature;
        final AuthResult failure;

        Parsed(String signingInput, Base64URL headerPart, JsonNode header, JwsAlgorithm algorithm, String kid,
                byte[] payload, Base64URL signature) {
            this.signingInput = signingInput;
            this.headerPart = headerPart;
            this.header = header;
            this.algorithm = algorithm;
            this.kid = kid;
            this.payload = payload;
            this.signature = signature;
            this.failure = null;
        }

        Parsed(AuthResult failure) {
            this.signingInput = null;
            this.headerPart = null;
            this.header = null;
            this.algorithm = null;
            this.kid = null;
            this.payload = null;
            this.signature = null;
            this.failure = failure;
        }

        boolean ok() {
            return failure == null;
        }
    }

    private static Parsed refuse(AuthResult.Failure failure, String detail) {
        return new Parsed(AuthResult.failure(failure, detail));
    }

    /** Parses a compact JWS and applies the header rules (not the key binding or signature). */
    static Parsed parse(String compact) {
        if (compact == null || compact.isEmpty()) {
            return refuse(AuthResult.Failure.MALFORMED, "empty token");
        }
        int first = compact.indexOf('.');
        int second = first < 0 ? -1 : compact.indexOf('.', first + 1);
        if (first < 0 || second < 0 || compact.indexOf('.', second + 1) >= 0) {
            return refuse(AuthResult.Failure.MALFORMED, "not a compact JWS (three parts separated by dots)");
        }
        String h = compact.substring(0, first);
        String p = compact.substring(first + 1, second);
        String s = compact.substring(second + 1);
        byte[] headerBytes = strictBase64Url(h);
        byte[] payload = strictBase64Url(p);
        byte[] signature = strictBase64Url(s);
        if (headerBytes == null || payload == null || signature == null) {
            return refuse(AuthResult.Failure.MALFORMED, "a part is not strict base64url ("
                    + (headerBytes == null ? "header" : payload == null ? "payload" : "signature") + ")");
        }
        if (h.isEmpty()) {
            return refuse(AuthResult.Failure.MALFORMED, "no header");
        }
        JsonNode header;
        try {
            header = JSON.readTree(headerBytes);
        } catch (java.io.IOException e) {
            return refuse(AuthResult.Failure.MALFORMED, "the header is not valid JSON (or repeats a member)");
        }
        if (header == null || !header.isObject()) {
            return refuse(AuthResult.Failure.MALFORMED, "the header is not a JSON object");
        }
        JsonNode alg = header.get("alg");
        if (alg == null || !alg.isTextual()) {
            return refuse(AuthResult.Failure.MALFORMED, "the header has no algorithm (alg)");
        }
        JwsAlgorithm algorithm = JwsAlgorithm.byName(alg.asText()).orElse(null);
        if (algorithm == null) {
            return refuse(AuthResult.Failure.ALGORITHM_NOT_ALLOWED, "algorithm '" + printable(alg.asText())
                    + "' is not accepted");
        }
        for (Iterator<String> names = header.fieldNames(); names.hasNext();) {
            String name = names.next();
            if (REFUSED.contains(name)) {
                return refuse(AuthResult.Failure.UNSAFE_HEADER, "the header carries '" + name
                        + "', which is refused (keys come from this service's configuration only)");
            }
        }
        if (s.isEmpty()) {
            return refuse(AuthResult.Failure.MALFORMED, "no signature");
        }
        String kid = null;
        JsonNode kidNode = header.get("kid");
        if (kidNode != null) {
            if (!kidNode.isTextual()) {
                return refuse(AuthResult.Failure.UNSAFE_HEADER, "the key id (kid) is not a string");
            }
            String problem = KeyIds.problem(kidNode.asText());
            if (problem != null) {
                return refuse(AuthResult.Failure.UNSAFE_HEADER, "the key id (kid) " + problem);
            }
            kid = kidNode.asText();
        }
        return new Parsed(h + "." + p, new Base64URL(h), header, algorithm, kid, payload, new Base64URL(s));
    }

    /**
     * Checks a parsed JWS's signature with {@code key} (the algorithms must match): {@code null}
     * when it verifies, else the failure.
     */
    static AuthResult check(Parsed jws, VerificationKey key) {
        if (!jws.ok()) {
            return jws.failure;
        }
        if (!key.allows(jws.algorithm)) {
            return notAllowed(jws, key);
        }
        if (jws.algorithm.family() == JwsAlgorithm.Family.EC && jws.signature.decode().length != jws.algorithm.size()) {
            return AuthResult.failure(AuthResult.Failure.BAD_SIGNATURE, "an " + jws.algorithm + " signature has "
                    + jws.algorithm.size() + " bytes");
        }
        boolean valid;
        try {
            JWSHeader header = JWSHeader.parse(jws.headerPart);
            valid = key.verifier().verify(header, jws.signingInput.getBytes(StandardCharsets.US_ASCII), jws.signature);
        } catch (ParseException e) {
            return AuthResult.failure(AuthResult.Failure.MALFORMED, "the header is not a valid JWS header");
        } catch (JOSEException | RuntimeException e) {
            valid = false;
        }
        return valid ? null : AuthResult.failure(AuthResult.Failure.BAD_SIGNATURE, "the signature does not verify");
    }

    /** The refusal of a token whose algorithm {@code key} does not allow. */
    static AuthResult notAllowed(Parsed jws, VerificationKey key) {
        return AuthResult.failure(AuthResult.Failure.ALGORITHM_NOT_ALLOWED, "the token is signed with " + jws.algorithm
                + " but key " + key.kid().map(KeyIds::quote).orElse("(no kid)") + " is for "
                + (key.algorithms().size() == 1 ? key.algorithm().toString() : "one of " + key.algorithms()));
    }

    /** Parses and checks in one step: {@code null} when the JWS verifies with {@code key}. */
    static AuthResult check(String compact, VerificationKey key) {
        return check(parse(compact), key);
    }

    /** Decodes strict, canonical, unpadded base64url; {@code null} if it is not. */
    static byte[] strictBase64Url(String text) {
        if (text.length() % 4 == 1) {
            return null;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
                return null;
            }
        }
        byte[] bytes;
        try {
            bytes = Base64.getUrlDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes).equals(text) ? bytes : null;
    }

    private static String printable(String s) {
        String cut = s.length() > 20 ? s.substring(0, 20) + "…" : s;
        return cut.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
