package dev.infrakit.credentials.rotation;

import dev.infrakit.core.ManualClock;
import dev.infrakit.credentials.InMemoryCredentialStore;
import dev.infrakit.credentials.SecretValue;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RandomSecretStrategyTest {

    @Test
    void weakPoliciesAreRefusedWithTheLengthNeeded() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PasswordPolicy.alphanumeric(8));
        assertTrue(e.getMessage().contains("Weak password policy"), e.getMessage());
        assertTrue(e.getMessage().contains("length of 22"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PasswordPolicy.of(100, "ab").hashCode());
        assertEquals(128, PasswordPolicy.of(128, "01").length()); // 128 bits exactly is enough
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PasswordPolicy.of(64, "abca"))
                .getMessage().contains("twice"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PasswordPolicy.of(64, "ab cd"))
                .getMessage().contains("printable"));
        assertThrows(IllegalArgumentException.class, () -> PasswordPolicy.of(64, "a"));
        assertThrows(IllegalArgumentException.class, () -> PasswordPolicy.of(0, "abcdef"));
        assertThrows(IllegalArgumentException.class, () -> PasswordPolicy.of(5000, "abcdef"));
        assertEquals(22, PasswordPolicy.alphanumeric(22).length());
    }

    @Test
    void generatesFromTheAlphabetWithoutRepeats() {
        PasswordPolicy policy = PasswordPolicy.urlSafeToken(32);
        SecureRandom random = new SecureRandom();
        Set<String> seen = new HashSet<>();
        Set<Character> used = new HashSet<>();
        for (int i = 0; i < 500; i++) {
            char[] pw = policy.generate(random);
            assertEquals(32, pw.length);
            for (char c : pw) {
                assertTrue(policy.alphabet().indexOf(c) >= 0);
                used.add(c);
            }
            assertTrue(seen.add(new String(pw)));
        }
        assertEquals(64, used.size(), "every character of the alphabet is drawn");
        assertFalse(policy.toString().contains(seen.iterator().next()));
    }

    @Test
    void rotatesAPasswordKeepingTheOtherFields() {
        ManualClock clock = ManualClock.create();
        InMemoryCredentialStore store = InMemoryCredentialStore.builder().clock(clock).build();
        store.put("svc/api", SecretValue.ofFields(Map.of("username", "svc", "password", "old-password-0001",
                "url", "https://api.example")));
        store.put("svc/token", SecretValue.ofFields(Map.of("token", "old-token-0001")));
        store.put("svc/key", SecretValue.ofBytes("old-key-bytes".getBytes(StandardCharsets.UTF_8)));
        RotationEngine engine = RotationEngine.builder(store).clock(clock)
                .strategy("svc/api", RandomSecretStrategy.password(PasswordPolicy.defaults()))
                .strategy("svc/token", RandomSecretStrategy.apiToken(PasswordPolicy.urlSafeToken(43)))
                .strategy("svc/key", RandomSecretStrategy.of(PasswordPolicy.alphanumeric(40), "password",
                        new SecureRandom()))
                .build();

        engine.rotate("svc/api");
        SecretValue api = engine.current("svc/api").value();
        assertEquals("svc", api.username().orElseThrow());
        assertEquals("https://api.example", api.url().orElseThrow());
        assertEquals(32, api.password().orElseThrow().length());
        assertNotEquals("old-password-0001", api.password().orElseThrow());
        assertEquals("old-password-0001", engine.previous("svc/api").orElseThrow().value().password().orElseThrow());

        engine.rotate("svc/token");
        assertEquals(43, engine.current("svc/token").value().field("token").orElseThrow().length());

        engine.rotate("svc/key");
        assertEquals(40, engine.current("svc/key").value().bytes().length);
        assertFalse(engine.current("svc/key").value().hasFields());
    }
}
