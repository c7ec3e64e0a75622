package dev.infrakit.auth;

import dev.infrakit.auth.internal.ApiKeyFormat;

import java.security.MessageDigest;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * What an {@link ApiKeyStore} keeps of an API key: its id, the SHA-256 hash of its secret, the
 * subject and roles it authenticates as, a name, and its creation, expiry, revocation and last-use
 * times. Never the key itself: that is shown once, by {@link ApiKeys#create}.
 *
 * <p>The secret is 32 random bytes (256 bits), so a plain SHA-256 is enough to store it: a slow
 * password hash (bcrypt, Argon2) protects low-entropy passwords from guessing, and nothing can
 * guess 256 random bits, hashed slowly or not. A fast hash also keeps verification cheap enough to
 * run on every request.
 *
 * <p>Immutable. {@link #toString()} shows the id, subject, roles, name and times, never the hash.
 */
public final class ApiKeyRecord {
    /** The longest subject. */
    public static final int MAX_SUBJECT_LENGTH = 256;
    /** The longest role. */
    public static final int MAX_ROLE_LENGTH = 100;
    /** The most roles a key may carry. */
    public static final int MAX_ROLES = 64;
    /** The longest name. */
    public static final int MAX_NAME_LENGTH = 200;

    private final String keyId;
    private final byte[] secretHash;
    private final String subject;
    private final Set<String> roles;
    private final String name;
    private final Instant createdAt;
    private final Instant expiresAt;
    private final Instant revokedAt;
    private final Instant lastUsedAt;

    /**
     * @param keyId the key id: 12 characters of {@code a-z} and {@code 2-7}
     * @param secretHash the SHA-256 of the secret (32 bytes; copied)
     * @param subject who the key authenticates as (1 to 256 characters, not blank, no control characters)
     * @param roles its roles (at most 64, each 1 to 100 characters, not blank, no control characters)
     * @param name what the key is for, e.g. {@code "billing nightly export"} (at most 200 characters; may be empty)
     * @param createdAt when it was created
     * @param expiresAt when it stops being valid (exclusive), or {@code null} for never
     * @param revokedAt when it was revoked, or {@code null}
     * @param lastUsedAt when it last authenticated a request (to the last-used granularity), or {@code null}
     * @throws IllegalArgumentException naming the field that is invalid (never quoting the hash)
     * @throws NullPointerException if a required argument is null
     */
    public ApiKeyRecord(String keyId, byte[] secretHash, String subject, Set<String> roles, String name,
            Instant createdAt, Instant expiresAt, Instant revokedAt, Instant lastUsedAt) {
        if (!ApiKeyFormat.isKeyId(Objects.requireNonNull(keyId, "keyId"))) {
            throw new IllegalArgumentException("An API key id is " + ApiKeyFormat.KEY_ID_LENGTH
                    + " characters of a-z and 2-7");
        }
        if (Objects.requireNonNull(secretHash, "secretHash").length != ApiKeyFormat.HASH_BYTES) {
            throw new IllegalArgumentException("The secret hash of API key " + keyId + " must be "
                    + ApiKeyFormat.HASH_BYTES + " bytes (SHA-256), got " + secretHash.length);
        }
        this.keyId = keyId;
        this.secretHash = secretHash.clone();
        this.subject = requireSubject(subject);
        this.roles = requireRoles(roles);
        this.name = requireName(name);
        this.createdAt = Objects.requireNonNull(createdAt, "createdAt");
        this.expiresAt = expiresAt;
        this.revokedAt = revokedAt;
        this.lastUsedAt = lastUsedAt;
    }

    /**
     * Checks a subject.
     *
     * @return {@code subject}
     * @throws IllegalArgumentException if it is blank, longer than 256 characters or holds a control character
     */
    public static String requireSubject(String subject) {
        return text("subject", Objects.requireNonNull(subject, "subject"), MAX_SUBJECT_LENGTH, false);
    }

    /**
     * Checks a set of roles.
     *
     * @return an immutable copy
     * @throws IllegalArgumentException if there are more than 64, or one is blank, longer than 100
     *     characters or holds a control character
     */
    public static Set<String> requireRoles(Set<String> roles) {
        Objects.requireNonNull(roles, "roles");
        if (roles.size() > MAX_ROLES) {
            throw new IllegalArgumentException("An API key has at most " + MAX_ROLES + " roles, got " + roles.size());
        }
        for (String role : roles) {
            text("role", Objects.requireNonNull(role, "role"), MAX_ROLE_LENGTH, false);
        }
        return Set.copyOf(roles);
    }

    /**
     * Checks a key's name.
     *
     * @return {@code name}
     * @throws IllegalArgumentException if it is longer than 200 characters or holds a control character
     */
    public static String requireName(String name) {
        return text("name", Objects.requireNonNull(name, "name"), MAX_NAME_LENGTH, true);
    }

    private static String text(String field, String value, int max, boolean mayBeEmpty) {
        if (value.length() > max) {
            throw new IllegalArgumentException("An API key's " + field + " has at most " + max + " characters, got "
                    + value.length());
        }
        if (!mayBeEmpty && value.isBlank()) {
            throw new IllegalArgumentException("An API key's " + field + " must not be blank");
        }
        for (int i = 0; i < value.length(); i++) {
            if (Character.isISOControl(value.charAt(i))) {
                throw new IllegalArgumentException("An API key's " + field + " must not hold a control character "
                        + "(position " + i + ")");
            }
        }
        return value;
    }

    /** The key id: the lookup part of the key, not secret. */
    public String keyId() {
        return keyId;
    }

    /** The SHA-256 of the secret (a copy). */
    public byte[] secretHash() {
        return secretHash.clone();
    }

    /** Whether {@code hash} equals the stored hash, compared in constant time. */
    public boolean hashMatches(byte[] hash) {
        return MessageDigest.isEqual(secretHash, hash);
    }

    /** Who the key authenticates as. */
    public String subject() {
        return subject;
    }

    /** Its roles. */
    public Set<String> roles() {
        return roles;
    }

    /** What it is for (may be empty). */
    public String name() {
        return name;
    }

    /** When it was created. */
    public Instant createdAt() {
        return createdAt;
    }

    /** When it stops being valid (exclusive), if it expires. */
    public Optional<Instant> expiresAt() {
        return Optional.ofNullable(expiresAt);
    }

    /** When it was revoked, if it was. */
    public Optional<Instant> revokedAt() {
        return Optional.ofNullable(revokedAt);
    }

    /** When it last authenticated a request, to the last-used granularity, if it has. */
    public Optional<Instant> lastUsedAt() {
        return Optional.ofNullable(lastUsedAt);
    }

    /** Whether it was revoked. */
    public boolean isRevoked() {
        return revokedAt != null;
    }

    /** Whether it has expired at {@code now} (at or past its expiry). */
    public boolean isExpiredAt(Instant now) {
        return expiresAt != null && !now.isBefore(expiresAt);
    }

    /** This record revoked at {@code at}; this record itself if already revoked (the first time stays). */
    public ApiKeyRecord withRevokedAt(Instant at) {
        Objects.requireNonNull(at, "at");
        return revokedAt != null ? this
                : new ApiKeyRecord(keyId, secretHash, subject, roles, name, createdAt, expiresAt, at, lastUsedAt);
    }

    /** This record last used at {@code at}; this record itself unless {@code at} is later than its last use. */
    public ApiKeyRecord withLastUsedAt(Instant at) {
        Objects.requireNonNull(at, "at");
        return lastUsedAt != null && !at.isAfter(lastUsedAt) ? this
                : new ApiKeyRecord(keyId, secretHash, subject, roles, name, createdAt, expiresAt, revokedAt, at);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ApiKeyRecord)) {
            return false;
        }
        ApiKeyRecord r = (ApiKeyRecord) o;
        return keyId.equals(r.keyId) && Arrays.equals(secretHash, r.secretHash) && subject.equals(r.subject)
                && roles.equals(r.roles) && name.equals(r.name) && createdAt.equals(r.createdAt)
                && Objects.equals(expiresAt, r.expiresAt) && Objects.equals(revokedAt, r.revokedAt)
                && Objects.equals(lastUsedAt, r.lastUsedAt);
    }

    @Override
    public int hashCode() {
        return Objects.hash(keyId, subject, createdAt);
    }

    /** Id, subject, roles, name and times; never the hash. */
    @Override
    public String toString() {
        return "ApiKeyRecord[" + keyId + ", subject " + subject + ", roles " + List.copyOf(new TreeSet<>(roles))
                + (name.isEmpty() ? "" : ", name '" + name + "'") + ", created " + createdAt
                + (expiresAt == null ? "" : ", expires " + expiresAt)
                + (revokedAt == null ? "" : ", revoked " + revokedAt)
                + (lastUsedAt == null ? "" : ", last used " + lastUsedAt) + "]";
    }
}
