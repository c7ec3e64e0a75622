package dev.infrakit.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JWEAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyOperation;
import com.nimbusds.jose.jwk.KeyUse;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A JSON Web Key Set ({@code {"keys": [...]}}): parsed into {@link VerificationKey}s, or written
 * from them for publication (a JWKS endpoint).
 *
 * <p>Parsing keeps the keys fit for verifying signatures and lists the others with the reason in
 * {@link #skipped()}: keys meant for encryption ({@code use: enc}, {@code key_ops} without
 * {@code verify}, a JWE {@code alg}), which an identity provider's set often holds and which are
 * never used for signatures, and signing keys that cannot be used (too weak, an unsupported type
 * or algorithm, a bad key id), which are also listed in {@link #unusable()}. A token naming the
 * key id of a key left out is told why ({@link #whyUnusable(String)}), not that the key is
 * unknown. Keys published without {@code alg} get their algorithms from an allow-list matched to
 * their type and size ({@link #parse(String, Set)}). A set is refused as ambiguous when two usable
 * keys share a key id, or when it mixes HMAC secrets with public keys (a verifier must never have
 * to guess which kind a token's key is). Immutable and thread-safe.
 */
public final class JwkSet implements KeyResolver {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final Set<JwsAlgorithm> DEFAULT_FOR_KEYS_WITHOUT_ALG = Collections.unmodifiableSet(
            EnumSet.of(JwsAlgorithm.RS256, JwsAlgorithm.ES256, JwsAlgorithm.ES384, JwsAlgorithm.ES512));

    private final List<VerificationKey> keys;
    private final List<String> skipped;
    private final List<String> unusable;
    private final Map<String, String> whyByKid;

    private JwkSet(List<VerificationKey> keys, List<String> skipped, List<String> unusable, Map<String, String> whyByKid) {
        this.keys = List.copyOf(keys);
        this.skipped = List.copyOf(skipped);
        this.unusable = List.copyOf(unusable);
        this.whyByKid = Map.copyOf(whyByKid);
    }

    /** A set of these keys. */
    public static JwkSet of(List<VerificationKey> keys) {
        return new JwkSet(check(keys), List.of(), List.of(), Map.of());
    }

    /**
     * The algorithms a key published without {@code alg} is given by default: RS256 for an RSA key
     * (of at least 2048 bits), and for an EC key the one its curve means (RFC 7518 section 3.4:
     * ES256 for P-256, ES384 for P-384, ES512 for P-521). What Spring Security's
     * {@code NimbusJwtDecoder} accepts by default, plus the EC curves.
     */
    public static Set<JwsAlgorithm> defaultAlgorithmsForKeysWithoutAlg() {
        return DEFAULT_FOR_KEYS_WITHOUT_ALG;
    }

    /**
     * Parses a JWKS document; keys without {@code alg} get
     * {@link #defaultAlgorithmsForKeysWithoutAlg()}.
     *
     * @throws IllegalArgumentException if it is not a JWKS, or is ambiguous (duplicate key ids,
     *     HMAC secrets mixed with public keys)
     */
    public static JwkSet parse(String json) {
        return parse(json, DEFAULT_FOR_KEYS_WITHOUT_ALG);
    }

    /**
     * Parses a JWKS document. A key that names its {@code alg} verifies that algorithm only. A key
     * without {@code alg} verifies the algorithms of {@code forKeysWithoutAlg} that fit its type and
     * size: every RSA one listed (say {@code RS256, PS256} for a provider that signs with both), or
     * the one its EC curve means if listed; a key that fits none is left out with the reason. The
     * algorithm is never taken from a token: a token is verified with such a key only when its
     * header names one of the key's algorithms.
     *
     * @param forKeysWithoutAlg RSA and EC algorithms only (an HMAC secret must name its algorithm)
     * @throws IllegalArgumentException if it is not a JWKS, is ambiguous (duplicate key ids, HMAC
     *     secrets mixed with public keys), or {@code forKeysWithoutAlg} is empty or holds an HMAC
     *     algorithm
     */
    public static JwkSet parse(String json, Set<JwsAlgorithm> forKeysWithoutAlg) {
        Set<JwsAlgorithm> allowed = VerificationKey.checkAllowed("forKeysWithoutAlg",
                Objects.requireNonNull(forKeysWithoutAlg, "forKeysWithoutAlg").toArray(new JwsAlgorithm[0]));
        JsonNode root;
        try {
            root = JSON.readTree(Objects.requireNonNull(json, "json"));
        } catch (IOException e) {
            throw new IllegalArgumentException("Not a JWK set: not valid JSON");
        }
        if (root == null || !root.isObject() || !root.path("keys").isArray()) {
            throw new IllegalArgumentException("Not a JWK set: no \"keys\" array");
        }
        List<VerificationKey> usable = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        List<String> unusable = new ArrayList<>();
        Map<String, String> whyByKid = new HashMap<>();
        int index = 0;
        for (JsonNode node : root.get("keys")) {
            String kid = node.path("kid").isTextual() ? node.get("kid").asText() : null;
            String where = "key " + index++ + (kid != null ? " (" + KeyIds.quote(kid) + ")" : "");
            String why;
            boolean forSignatures = true;
            try {
                JWK jwk = JWK.parse(node.toString());
                why = notForSignatures(jwk);
                if (why == null) {
                    usable.add(VerificationKey.of(jwk, null, allowed));
                    continue;
                }
                forSignatures = false;
            } catch (java.text.ParseException e) {
                why = "not a valid JWK (" + printable(String.valueOf(e.getMessage())) + ")";
            } catch (IllegalArgumentException e) {
                why = e.getMessage();
            }
            skipped.add(where + ": " + why);
            if (forSignatures) {
                unusable.add(where + ": " + why);
            }
            if (KeyIds.valid(kid)) {
                whyByKid.putIfAbsent(kid, why);
            }
        }
        for (VerificationKey k : usable) {
            k.kid().ifPresent(whyByKid::remove);
        }
        return new JwkSet(check(usable), skipped, unusable, whyByKid);
    }

    /**
     * Why {@code jwk} is not meant for signatures at all ({@code use}, {@code key_ops}, a JWE
     * algorithm), or {@code null} when it is meant for them.
     */
    private static String notForSignatures(JWK jwk) {
        if (jwk.getKeyUse() != null && !KeyUse.SIGNATURE.equals(jwk.getKeyUse())) {
            return "for " + printable(jwk.getKeyUse().identifier()) + " (use), never used for signatures";
        }
        if (jwk.getKeyOperations() != null && !jwk.getKeyOperations().contains(KeyOperation.VERIFY)) {
            return "allows " + jwk.getKeyOperations() + " (key_ops), not verify; never used for signatures";
        }
        if (jwk.getAlgorithm() != null && JwsAlgorithm.byName(jwk.getAlgorithm().getName()).isEmpty()) {
            JWEAlgorithm jwe = JWEAlgorithm.parse(jwk.getAlgorithm().getName());
            if (JWEAlgorithm.Family.ASYMMETRIC.contains(jwe) || JWEAlgorithm.Family.SYMMETRIC.contains(jwe)) {
                return "for encryption algorithm " + jwe.getName() + " (alg), never used for signatures";
            }
        }
        return null;
    }

    private static String printable(String s) {
        String cut = s.length() > 200 ? s.substring(0, 200) + "..." : s;
        return cut.replaceAll("[^\\x20-\\x7e]", "?");
    }

    private static List<VerificationKey> check(List<VerificationKey> keys) {
        Set<String> kids = new HashSet<>();
        boolean secret = false;
        boolean pub = false;
        for (VerificationKey k : keys) {
            if (k.kid().isPresent() && !kids.add(k.kid().get())) {
                throw new IllegalArgumentException("Ambiguous JWK set: two keys have the id " + k.kid().get());
            }
            secret |= !k.isPublic();
            pub |= k.isPublic();
        }
        if (secret && pub) {
            throw new IllegalArgumentException("Ambiguous JWK set: it mixes HMAC secrets with public keys");
        }
        return keys;
    }

    /** The usable keys. */
    public List<VerificationKey> keys() {
        return keys;
    }

    /**
     * The keys left out, each with why: keys not meant for signatures (encryption keys) and the
     * {@link #unusable()} ones.
     */
    public List<String> skipped() {
        return skipped;
    }

    /**
     * The keys meant for signatures that were left out, each with why (too weak, an unsupported
     * key type or algorithm, no allowed algorithm for a key without {@code alg}, a bad key id): a
     * subset of {@link #skipped()} that tells an operator some of the provider's tokens will be
     * refused.
     */
    public List<String> unusable() {
        return unusable;
    }

    /**
     * Why the key with id {@code kid}, which this set's document holds, was left out; empty when
     * no key with that id was left out (or a usable key has it).
     */
    @Override
    public Optional<String> whyUnusable(String kid) {
        return kid == null ? Optional.empty() : Optional.ofNullable(whyByKid.get(kid));
    }

    @Override
    public List<VerificationKey> keys(String kid) {
        return KeyResolver.of(keys.toArray(new VerificationKey[0])).keys(kid);
    }

    /**
     * The JWKS document of the public keys (never HMAC secrets, which are left out).
     */
    public String toJson() {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode array = root.putArray("keys");
        for (VerificationKey k : keys) {
            if (k.isPublic()) {
                try {
                    array.add(JSON.readTree(k.toPublicJwk()));
                } catch (IOException e) {
                    throw new IllegalStateException("Cannot write key " + k, e);
                }
            }
        }
        return root.toString();
    }

    @Override
    public String toString() {
        return "JwkSet[" + keys + (skipped.isEmpty() ? "" : ", " + skipped.size() + " skipped")
                + (unusable.isEmpty() ? "" : ", " + unusable.size() + " unusable") + "]";
    }
}
