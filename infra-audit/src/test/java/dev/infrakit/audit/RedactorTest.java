package dev.infrakit.audit;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RedactorTest {
    private static final String JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsInJvbGUiOiJhZG1pbiJ9."
            + "c2lnbmF0dXJlLXZhbHVlLWhlcmU";

    private static final Set<String> SECRETS = Set.of("hunter2", "s3ss10n-c00k13", JWT, "opaque-bearer-value-123",
            "AKIAEXAMPLESECRET", "dGVzdDp0ZXN0cGFzc3dvcmQ=", "pk-12345-private", "refresh-xyz-987");

    @Test
    void headersNestedMapsAndTokensNeverReachTheOutput() {
        AuditEvent event = AuditEvent.builder(AuditEvent.Category.SECURITY, "request.rejected")
                .actor(Actor.anonymous("198.51.100.2").from("198.51.100.2", "client with " + JWT))
                .action("call").outcome(AuditEvent.Outcome.DENIED)
                .reason("token " + JWT + " expired")
                .request("headers", Map.of(
                        "Authorization", "Bearer opaque-bearer-value-123",
                        "Cookie", "session=s3ss10n-c00k13",
                        "Proxy-Authorization", "Basic dGVzdDp0ZXN0cGFzc3dvcmQ=",
                        "Accept", "application/json"))
                .detail("form", Map.of("user", "alice", "password", "hunter2",
                        "nested", Map.of("aws", Map.of("secret_access_key", "AKIAEXAMPLESECRET"))))
                .detail("tokens", List.of(Map.of("refresh_token", "refresh-xyz-987"), "free text with " + JWT))
                .detail("Private-Key", "pk-12345-private")
                .detail("note", "see Bearer opaque-bearer-value-123 in the logs")
                .build();
        String json = AuditJson.defaults().toJson(event);
        for (String secret : SECRETS) {
            assertFalse(json.contains(secret), "leaked " + secret + " in " + json);
        }
        assertTrue(json.contains("\"Authorization\":\"[REDACTED]\""), json);
        assertTrue(json.contains("\"password\":\"[REDACTED]\""), json);
        assertTrue(json.contains("\"Accept\":\"application/json\""), "ordinary headers stay");
        assertTrue(json.contains("\"user\":\"alice\""), json);
        assertTrue(json.contains("token [REDACTED] expired"), json);
        assertTrue(json.contains("see Bearer [REDACTED] in the logs"), json);
        assertEquals("hunter2", ((Map<?, ?>) event.details().get("form")).get("password"), "the event is not changed");
    }

    @Test
    void allowAndDenyLists() {
        Redactor redactor = Redactor.of(List.of("token_type"), List.of("ssn"));
        Map<String, Object> out = redactor.redact(Map.of("token_type", "bearer", "ssn", "078-05-1120",
                "access_token", "abc"));
        assertEquals("bearer", out.get("token_type"), "allowed by name");
        assertEquals(Redactor.MASK, out.get("ssn"), "denied by name");
        assertEquals(Redactor.MASK, out.get("access_token"));
        assertTrue(Redactor.defaults().isSecretKey("X-Api-Key"));
        assertTrue(Redactor.defaults().isSecretKey("set-cookie"));
        assertFalse(Redactor.defaults().isSecretKey("user_agent"));
    }

    @Test
    void shortWordsAfterBearerAreNotMistakenForTokens() {
        assertEquals("Bearer auth is required", Redactor.defaults().scrub("Bearer auth is required"));
        assertEquals("no token here", Redactor.defaults().scrub("no token here"));
    }
}
