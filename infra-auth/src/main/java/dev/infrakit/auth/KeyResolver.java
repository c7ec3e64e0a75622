package dev.infrakit.auth;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a {@link TokenVerifier} finds the keys for a token: by the token's key id, or all keys when
 * the token names none. Implementations: a fixed set ({@link #of(VerificationKey...)}), and later
 * signing keys kept in a credential store and remote JWKS documents. Must be thread-safe.
 */
@FunctionalInterface
public interface KeyResolver {

    /**
     * The keys with key id {@code kid}, or every key when {@code kid} is {@code null}; empty when
     * there are none.
     */
    List<VerificationKey> keys(String kid);

    /**
     * Why the key with id {@code kid}, which this resolver's source holds, cannot verify tokens
     * (an encryption key, a key too weak, of an unsupported type, without an allowed algorithm);
     * empty when it holds no such unusable key. Called by {@link TokenVerifier} after
     * {@link #keys(String)} found nothing, so a refusal says {@link AuthResult.Failure#UNUSABLE_KEY}
     * and why instead of {@link AuthResult.Failure#UNKNOWN_KEY}. The default knows of none.
     */
    default Optional<String> whyUnusable(String kid) {
        return Optional.empty();
    }

    /** A fixed set of keys. */
    static KeyResolver of(VerificationKey... keys) {
        List<VerificationKey> all = List.of(keys);
        for (VerificationKey k : all) {
            Objects.requireNonNull(k, "key");
        }
        return kid -> {
            if (kid == null) {
                return all;
            }
            List<VerificationKey> found = new ArrayList<>(1);
            for (VerificationKey k : all) {
                if (kid.equals(k.kid().orElse(null))) {
                    found.add(k);
                }
            }
            return found;
        };
    }
}
