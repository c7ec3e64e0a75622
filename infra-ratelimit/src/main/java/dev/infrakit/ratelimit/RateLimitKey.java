package dev.infrakit.ratelimit;

import java.util.Objects;

/**
 * Whom a request is counted against: a tier and a subject within it.
 *
 * @param tier the tier (policy name), e.g. {@code user}
 * @param subject the subject, e.g. a user id or a client address
 */
public record RateLimitKey(String tier, String subject) {
    /** Validates both parts. */
    public RateLimitKey {
        Objects.requireNonNull(tier, "tier");
        Objects.requireNonNull(subject, "subject");
    }
}
