package dev.infrakit.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.jwk.JWK;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A JSON Web Key Set ({@code {"keys": [...]}}): parsed into {@link VerificationKey}s, or written
 * from them for publication (a JWKS endpoint).
 *
 * <p>Parsing keeps the keys fit for verifying signatures and lists the others with the reason in
 * {@link #skipped()} (an identity provider's set often holds encryption keys too). A set is refused
 * as ambiguous when two usable keys share a key id, or when it mixes HMAC secrets with public keys
 * (a verifier must never have to guess which kind a token's key is).
 */
public final class JwkSet implements KeyResolver {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<VerificationKey> keys;
    private final List<String> skipped;

    private JwkSet(List<VerificationKey> keys, List<String> skipped) {
        this.keys = List.copyOf(keys);
        this.skipped = List.copyOf(skipped);
    }

    /** A set of these keys. */
    public static JwkSet of(List<VerificationKey> keys) {
        return new JwkSet(check(keys), List.of());
    }

    /**
     * Parses a JWKS document.
     *
     * @throws IllegalArgumentException if it is not a JWKS, or is ambiguous (duplicate key ids,
     *     HMAC secrets mixed with public keys)
     */
    public static JwkSet parse(String json) {
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
        int index = 0;
        for (JsonNode node : root.get("keys")) {
            String where = "key " + index++ + (node.hasNonNull("kid") ? " (" + node.get("kid").asText() + ")" : "");
            try {
                usable.add(VerificationKey.of(JWK.parse(node.toString()), null));
            } catch (java.text.ParseException | IllegalArgumentException e) {
                skipped.add(where + ": " + e.getMessage());
            }
        }
        return new JwkSet(check(usable), skipped);
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

    /** The keys left out, each with why. */
    public List<String> skipped() {
        return skipped;
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
        return "JwkSet[" + keys + (skipped.isEmpty() ? "" : ", " + skipped.size() + " skipped") + "]";
    }
}
