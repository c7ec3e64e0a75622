package dev.infrakit.benchmarks;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.infrakit.credentials.InMemoryCredentialStore;
import dev.infrakit.auth.AuthResult;
import dev.infrakit.auth.JwsAlgorithm;
import dev.infrakit.auth.SigningKey;
import dev.infrakit.auth.TokenIssuer;
import dev.infrakit.auth.TokenRevocations;
import dev.infrakit.auth.TokenVerifier;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Verifying one ES256 access token: Infrakit's {@link TokenVerifier} without and with
 * {@link TokenRevocations} (the subject has an epoch and 100 revoked tokens are listed, as after a
 * password change and a day of logouts), against nimbus-jose-jwt's {@code DefaultJWTProcessor}
 * with the same checks (type, issuer, audience, expiry), which is what a user would otherwise
 * wire by hand. The cost of a revocation check is what the second adds to the first.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
public class TokenVerifyBenchmark {
    private TokenVerifier plain;
    private TokenVerifier revocable;
    private DefaultJWTProcessor<SecurityContext> nimbus;
    private String token;
    private String epochToken;

    @Setup
    public void setUp() throws Exception {
        SigningKey key = SigningKey.generate(JwsAlgorithm.ES256, "bench");
        TokenIssuer issuer = TokenIssuer.builder(key).issuer("svc").audience("api").ttl(Duration.ofHours(2)).build();
        token = issuer.issue("alice", Set.of("user"));
        plain = TokenVerifier.builder(key.verificationKey()).issuer("svc").audience("api").build();

        InMemoryCredentialStore store = InMemoryCredentialStore.create();
        TokenRevocations revocations = TokenRevocations.builder(store).build();
        revocations.revokeAll("alice");
        for (int i = 0; i < 100; i++) {
            revocations.revoke("revoked-" + i, java.time.Instant.now().plus(Duration.ofHours(1)));
        }
        epochToken = issuer.issue("alice", Set.of("user"), revocations.claims("alice"), Duration.ofHours(2));
        revocable = TokenVerifier.builder(key.verificationKey()).issuer("svc").audience("api")
                .revocations(revocations).build();

        ECKey jwk = ECKey.parse(key.verificationKey().toPublicJwk());
        nimbus = new DefaultJWTProcessor<>();
        nimbus.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(new JOSEObjectType("at+jwt")));
        nimbus.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.ES256,
                new ImmutableJWKSet<>(new JWKSet(jwk))));
        nimbus.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>("api",
                new JWTClaimsSet.Builder().issuer("svc").build(), Set.of("sub", "exp")));
        if (!plain.verify(token).ok() || !revocable.verify(epochToken).ok() || nimbus.process(token, null) == null) {
            throw new IllegalStateException("the benchmark's tokens do not verify");
        }
    }

    @Benchmark
    public AuthResult infrakit() {
        return plain.verify(token);
    }

    @Benchmark
    public AuthResult infrakitWithRevocations() {
        return revocable.verify(epochToken);
    }

    @Benchmark
    public JWTClaimsSet nimbus() throws Exception {
        return nimbus.process(token, null);
    }
}
