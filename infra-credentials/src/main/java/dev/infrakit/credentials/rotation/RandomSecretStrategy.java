package dev.infrakit.credentials.rotation;

import dev.infrakit.credentials.SecretValue;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Rotates a secret that lives only in the store: a random password or API token, made by a
 * {@link PasswordPolicy}. {@link #create} copies CURRENT's fields and replaces one field (by
 * default {@code password}) with a new random value; a CURRENT made of opaque bytes is replaced
 * whole by the random text. Apply and test do nothing: consumers pick the new value up from the
 * CURRENT label (or a {@link RotationListener}). Thread-safe.
 */
public final class RandomSecretStrategy implements RotationStrategy {
    private final PasswordPolicy policy;
    private final String field;
    private final SecureRandom random;

    private RandomSecretStrategy(PasswordPolicy policy, String field, SecureRandom random) {
        this.policy = policy;
        this.field = field;
        this.random = random;
    }

    /** Replaces the {@code password} field, with a new {@link SecureRandom}. */
    public static RandomSecretStrategy password(PasswordPolicy policy) {
        return of(policy, "password", new SecureRandom());
    }

    /** Replaces the {@code token} field, with a new {@link SecureRandom}. */
    public static RandomSecretStrategy apiToken(PasswordPolicy policy) {
        return of(policy, "token", new SecureRandom());
    }

    /**
     * Replaces {@code field}, drawing from {@code random}.
     *
     * @throws IllegalArgumentException if {@code field} is blank
     */
    public static RandomSecretStrategy of(PasswordPolicy policy, String field, SecureRandom random) {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(field, "field");
        Objects.requireNonNull(random, "random");
        if (field.isBlank()) {
            throw new IllegalArgumentException("The field to rotate must not be blank");
        }
        return new RandomSecretStrategy(policy, field, random);
    }

    @Override
    public SecretValue create(RotationContext context) {
        SecretValue current = context.current().value();
        char[] secret = policy.generate(random);
        try {
            if (!current.hasFields()) {
                ByteBuffer bytes = StandardCharsets.UTF_8.encode(CharBuffer.wrap(secret));
                byte[] raw = new byte[bytes.remaining()];
                bytes.get(raw);
                Arrays.fill(bytes.array(), (byte) 0);
                try {
                    return SecretValue.ofBytes(raw);
                } finally {
                    Arrays.fill(raw, (byte) 0);
                }
            }
            Map<String, String> fields = new TreeMap<>();
            for (String name : current.fieldNames()) {
                fields.put(name, current.field(name).orElseThrow());
            }
            fields.put(field, new String(secret));
            return SecretValue.ofFields(fields);
        } finally {
            Arrays.fill(secret, '\0');
        }
    }

    @Override
    public void apply(RotationContext context) {
        // Nothing outside the store to change.
    }

    @Override
    public void test(RotationContext context) {
        SecretValue pending = context.pending().value();
        if (pending.hasFields() && pending.field(field).map(String::isEmpty).orElse(true)) {
            throw new IllegalStateException("The PENDING version of '" + context.name() + "' has no field '" + field
                    + "'");
        }
    }

    @Override
    public String toString() {
        return "RandomSecretStrategy[" + field + ", " + policy + "]";
    }
}
