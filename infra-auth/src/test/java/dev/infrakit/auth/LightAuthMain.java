package dev.infrakit.auth;

import dev.infrakit.credentials.InMemoryCredentialStore;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * Run by {@link LightRuntimeIT} in a JVM holding only infra-auth's runtime jars: tokens signed with
 * keys kept in a credential store verify, and an API key is created and verified. Prints one line
 * per step.
 */
public final class LightAuthMain {
    private LightAuthMain() {
    }

    public static void main(String[] args) throws Exception {
        TokenKeys keys = TokenKeys.builder(InMemoryCredentialStore.builder().build()).algorithm(JwsAlgorithm.ES256)
                .build();
        String token = TokenIssuer.builder(keys).issuer("https://issuer.example").audience("svc").build()
                .issue("alice", Set.of("user"));
        AuthResult verified = TokenVerifier.builder(keys).issuer("https://issuer.example").audience("svc").build()
                .verify(token);
        System.out.println("token: " + verified.ok() + " " + verified.principal().subject());
        ApiKeys apiKeys = ApiKeys.builder(InMemoryApiKeyStore.create()).build();
        NewApiKey key = apiKeys.create("ci", Set.of("deploy"), "pipeline", Duration.ofDays(1));
        System.out.println("api key: " + apiKeys.verify(key.key()).ok());
        for (String absent : List.of("com.github.benmanes.caffeine.cache.Caffeine", "com.zaxxer.hikari.HikariDataSource",
                "io.micrometer.core.instrument.MeterRegistry")) {
            try {
                Class.forName(absent);
                System.out.println("present: " + absent);
            } catch (ClassNotFoundException e) {
                System.out.println("absent: " + absent);
            }
        }
    }
}
