package dev.infrakit.test;

import dev.infrakit.auth.JwsAlgorithm;
import dev.infrakit.auth.SigningKey;
import dev.infrakit.auth.TokenIssuer;
import dev.infrakit.auth.TokenVerifier;
import dev.infrakit.auth.VerificationKey;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Real signed JWTs for tests of code that takes a {@link TokenVerifier} (or one of infra-web's
 * authentication filters built on one): a fresh ES256 key, an issuer that signs
 * tokens for a subject and roles with it, and the matching verifier, so no mock maker is needed.
 *
 * <pre>{@code
 * TestTokens tokens = TestTokens.create();
 * ReportService reports = new ReportService(tokens.verifier());
 * assertEquals("ok", reports.download(tokens.issue("alice", "reports:read")));
 * assertThrows(ForbiddenException.class, () -> reports.download(tokens.expired("alice", "reports:read")));
 * }</pre>
 *
 * <p>Tokens are issued by {@link #ISSUER} for the audience {@link #AUDIENCE}, valid for 15 minutes
 * unless said otherwise, with the roles in the {@code roles} claim, exactly as infra-auth's
 * {@link TokenIssuer} writes them. The key is generated for this instance and never leaves it.
 * Thread-safe.
 */
public final class TestTokens {
    /** The issuer ({@code iss}) of every token and the only one the verifier accepts. */
    public static final String ISSUER = "https://issuer.test";
    /** The audience ({@code aud}) of every token and the one the verifier requires. */
    public static final String AUDIENCE = "test-api";

    private static final Duration VALIDITY = Duration.ofMinutes(15);

    private final Clock clock;
    private final SigningKey key;
    private final TokenIssuer issuer;
    private final TokenVerifier verifier;

    private TestTokens(Clock clock) {
        this.clock = clock;
        this.key = SigningKey.generate(JwsAlgorithm.ES256, "test-key");
        this.issuer = TokenIssuer.builder(key).issuer(ISSUER).audience(AUDIENCE).ttl(VALIDITY).clock(clock).build();
        this.verifier = TokenVerifier.builder(key.verificationKey()).issuer(ISSUER).audience(AUDIENCE).clock(clock)
                .build();
    }

    /** Tokens on the system clock. */
    public static TestTokens create() {
        return new TestTokens(Clock.systemUTC());
    }

    /**
     * Tokens whose issuer and verifier both read {@code clock}: with a {@code ManualClock}, a test
     * lets a token expire by advancing the clock.
     */
    public static TestTokens create(Clock clock) {
        return new TestTokens(Objects.requireNonNull(clock, "clock"));
    }

    /**
     * A token for {@code subject} with {@code roles}, valid for 15 minutes from now.
     *
     * @throws IllegalArgumentException if the subject is blank
     */
    public String issue(String subject, String... roles) {
        return issuer.issue(subject, Set.of(roles));
    }

    /**
     * A token for {@code subject} with {@code roles} and extra claims, valid for {@code validity}.
     *
     * @throws IllegalArgumentException if the subject is blank, the validity not positive or an extra
     *     claim uses a name the issuer sets itself ({@code sub}, {@code exp}, {@code roles}, ...)
     */
    public String issue(String subject, Set<String> roles, Map<String, ?> extraClaims, Duration validity) {
        return issuer.issue(subject, roles, extraClaims, validity);
    }

    /**
     * A token for {@code subject} with {@code roles} that expired an hour ago (well beyond the
     * verifier's clock skew), signed with the right key: the verifier refuses it as expired.
     */
    public String expired(String subject, String... roles) {
        Clock past = Clock.offset(clock, Duration.ofHours(-2));
        return TokenIssuer.builder(key).issuer(ISSUER).audience(AUDIENCE).ttl(Duration.ofHours(1)).clock(past).build()
                .issue(subject, Set.of(roles));
    }

    /**
     * A token for {@code subject} with {@code roles}, otherwise valid but signed with another key of
     * the same id: the verifier refuses its signature, as it would a forged token.
     */
    public String forged(String subject, String... roles) {
        SigningKey other = SigningKey.generate(JwsAlgorithm.ES256, key.kid());
        return TokenIssuer.builder(other).issuer(ISSUER).audience(AUDIENCE).ttl(VALIDITY).clock(clock).build()
                .issue(subject, Set.of(roles));
    }

    /** The verifier that accepts this instance's tokens: issuer {@link #ISSUER}, audience {@link #AUDIENCE}. */
    public TokenVerifier verifier() {
        return verifier;
    }

    /** The issuer of this instance's tokens, for code under test that issues tokens itself. */
    public TokenIssuer issuer() {
        return issuer;
    }

    /** The public key that verifies this instance's tokens, e.g. to build a verifier with other settings. */
    public VerificationKey verificationKey() {
        return key.verificationKey();
    }

    /** Says which issuer and audience; never the key. */
    @Override
    public String toString() {
        return "TestTokens[" + ISSUER + " -> " + AUDIENCE + ", ES256]";
    }
}
