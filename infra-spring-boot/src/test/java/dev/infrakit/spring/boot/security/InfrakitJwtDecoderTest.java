package dev.infrakit.spring.boot.security;

import dev.infrakit.auth.JwsAlgorithm;
import dev.infrakit.auth.SigningKey;
import dev.infrakit.auth.TokenIssuer;
import dev.infrakit.auth.TokenVerifier;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InfrakitJwtDecoderTest {
    private static final SigningKey KEY = SigningKey.generate(JwsAlgorithm.ES256, "k1");
    private static final SigningKey OTHER = SigningKey.generate(JwsAlgorithm.ES256, "k1");
    private static final TokenIssuer ISSUER = TokenIssuer.builder(KEY).issuer("svc").audience("api").build();
    private final InfrakitJwtDecoder decoder = InfrakitJwtDecoder.of(
            TokenVerifier.builder(KEY.verificationKey()).issuer("svc").audience("api").build());

    @Test
    void anAcceptedTokenIsAJwtWithEveryClaimTimesAsInstantsAndItsHeader() {
        Instant before = Instant.now().minusSeconds(1);
        String token = ISSUER.issue("alice", Set.of("admin", "user"), Map.of("tenant", "t1"), Duration.ofMinutes(5));
        Jwt jwt = decoder.decode(token);
        assertThat(jwt.getTokenValue()).isEqualTo(token);
        assertThat(jwt.getSubject()).isEqualTo("alice");
        assertThat(jwt.getClaimAsStringList("roles")).containsExactlyInAnyOrder("admin", "user");
        assertThat(jwt.getClaimAsString("tenant")).isEqualTo("t1");
        assertThat(jwt.getClaimAsString("iss")).isEqualTo("svc");
        assertThat(jwt.getAudience()).containsExactly("api");
        assertThat(jwt.getExpiresAt()).isAfter(before.plus(Duration.ofMinutes(4)));
        assertThat(jwt.getIssuedAt()).isAfterOrEqualTo(before.minusSeconds(1));
        assertThat(jwt.getHeaders()).containsEntry("alg", "ES256").containsEntry("kid", "k1");
    }

    @Test
    void aRefusedTokenIsBadJwtWithInfrakitsReasonAndNeverTheTokenText() {
        String forged = TokenIssuer.builder(OTHER).issuer("svc").audience("api").build().issue("mallory", Set.of("admin"));
        assertThatThrownBy(() -> decoder.decode(forged)).isInstanceOf(BadJwtException.class)
                .hasMessageContaining("BAD_SIGNATURE").message().doesNotContain(forged)
                .doesNotContain(forged.substring(forged.lastIndexOf('.') + 1));
        Clock past = Clock.fixed(Instant.now().minus(Duration.ofHours(2)), ZoneOffset.UTC);
        String expired = TokenIssuer.builder(KEY).issuer("svc").audience("api").clock(past).build()
                .issue("alice", Set.of());
        assertThatThrownBy(() -> decoder.decode(expired)).isInstanceOf(BadJwtException.class)
                .hasMessageContaining("EXPIRED").message().doesNotContain(expired);
        String otherAudience = TokenIssuer.builder(KEY).issuer("svc").audience("elsewhere").build().issue("alice", Set.of());
        assertThatThrownBy(() -> decoder.decode(otherAudience)).isInstanceOf(BadJwtException.class)
                .hasMessageContaining("WRONG_AUDIENCE");
    }

    @Test
    void hostileTokensAreBadJwtsNeverErrorsAndNeverEchoed() {
        String huge = "eyJ" + "A".repeat(64 * 1024) + ".e30.sig";
        assertThatThrownBy(() -> decoder.decode(huge)).isInstanceOf(BadJwtException.class)
                .hasMessageContaining("MALFORMED").message().hasSizeLessThan(300);
        String withNul = ISSUER.issue("alice", Set.of()) + "\u0000";
        assertThatThrownBy(() -> decoder.decode(withNul)).isInstanceOf(BadJwtException.class)
                .message().doesNotContain(withNul);
        String none = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJyb290In0.";
        assertThatThrownBy(() -> decoder.decode(none)).isInstanceOf(BadJwtException.class);
        assertThatThrownBy(() -> decoder.decode("")).isInstanceOf(BadJwtException.class);
    }
}
