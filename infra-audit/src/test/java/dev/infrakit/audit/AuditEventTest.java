package dev.infrakit.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.infrakit.core.ManualClock;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AuditEventTest {

    @Test
    void securityShape() {
        AuditEvent e = AuditEvent.security("login.failed", "alice", "203.0.113.7", "curl/8.5", Map.of("attempt", 3));
        assertEquals(AuditEvent.Category.SECURITY, e.category());
        assertEquals(AuditEvent.Severity.WARN, e.severity());
        assertEquals(AuditEvent.Outcome.FAILURE, e.outcome());
        assertEquals("failed", e.action());
        assertEquals("alice", e.actor().id());
        assertEquals(Actor.Kind.USER, e.actor().kind());
        assertEquals("203.0.113.7", e.actor().ip());
        assertEquals(3, e.details().get("attempt"));
        AuditEvent ok = AuditEvent.security("login.succeeded", "alice", "203.0.113.7", null, null);
        assertEquals(AuditEvent.Severity.INFO, ok.severity());
        assertEquals(AuditEvent.Outcome.SUCCESS, ok.outcome());
        AuditEvent anonymous = AuditEvent.security("token.invalid", null, "198.51.100.2", null, Map.of());
        assertEquals(Actor.Kind.ANONYMOUS, anonymous.actor().kind());
    }

    @Test
    void dataAccessShape() {
        AuditEvent read = AuditEvent.dataAccess("alice", Resource.of("credential", "billing-db"), "read", true);
        assertEquals("data.read", read.type());
        assertEquals(AuditEvent.Category.DATA_ACCESS, read.category());
        assertEquals(AuditEvent.Outcome.SUCCESS, read.outcome());
        assertEquals("billing-db", read.resource().orElseThrow().id());
        AuditEvent denied = AuditEvent.dataAccess("bob", Resource.of("credential", "billing-db"), "READ", false);
        assertEquals("data.read", denied.type());
        assertEquals(AuditEvent.Outcome.DENIED, denied.outcome());
        assertEquals(AuditEvent.Severity.WARN, denied.severity());
    }

    @Test
    void builderFillsIdAndTimestamp() {
        ManualClock clock = ManualClock.at(Instant.parse("2026-11-22T03:00:00Z"));
        AuditEvent a = AuditEvent.builder(AuditEvent.Category.ADMIN, "policy.changed").clock(clock)
                .actor(Actor.system()).action("update").build();
        AuditEvent b = AuditEvent.builder(AuditEvent.Category.ADMIN, "policy.changed").clock(clock)
                .actor(Actor.system()).action("update").build();
        assertEquals(Instant.parse("2026-11-22T03:00:00Z"), a.timestamp());
        assertFalse(a.id().equals(b.id()));
    }

    @Test
    void requiredFieldsAndLimitsAreCheckedAndNamed() {
        assertEquals("Audit event field 'type' must be lower-case words joined by '.', '-' or '_' (like login.failed)",
                assertThrows(AuditException.class, () -> AuditEvent.builder(AuditEvent.Category.ADMIN, "Login Failed"))
                        .getMessage());
        assertEquals("Audit event field 'type' is required",
                assertThrows(AuditException.class, () -> AuditEvent.builder(AuditEvent.Category.ADMIN, null)).getMessage());
        assertEquals("Audit event field 'actor' is required", assertThrows(AuditException.class,
                () -> AuditEvent.builder(AuditEvent.Category.ADMIN, "x").action("a").build()).getMessage());
        assertEquals("Audit event field 'action' is required", assertThrows(AuditException.class,
                () -> AuditEvent.builder(AuditEvent.Category.ADMIN, "x").actor(Actor.system()).build()).getMessage());
        assertEquals("Audit event field 'actor.id' is 300 characters long; at most 256 are allowed",
                assertThrows(AuditException.class, () -> Actor.user("u".repeat(300))).getMessage());
        assertThrows(AuditException.class, () -> Resource.of(" ", "x"));
        assertThrows(AuditException.class, () -> AuditEvent.builder(AuditEvent.Category.ADMIN, "x").actor(Actor.system())
                .action("a").reason("r".repeat(1001)).build());
    }

    @Test
    void detailsAcceptOnlyJsonFriendlyValuesAndNeverToString() {
        Object secretHolder = new Object() {
            @Override
            public String toString() {
                return "password=hunter2";
            }
        };
        AuditException e = assertThrows(AuditException.class, () -> AuditEvent.builder(AuditEvent.Category.ADMIN, "x")
                .actor(Actor.system()).action("a").detail("config", secretHolder).build());
        assertTrue(e.getMessage().startsWith("Audit event field 'details.config' holds a "), e.getMessage());
        assertFalse(e.getMessage().contains("hunter2"));
        assertThrows(AuditException.class, () -> AuditEvent.builder(AuditEvent.Category.ADMIN, "x")
                .actor(Actor.system()).action("a").detail("n", Double.NaN).build());
        Map<String, Object> deep = new HashMap<>();
        Map<String, Object> cursor = deep;
        for (int i = 0; i < 6; i++) {
            Map<String, Object> next = new HashMap<>();
            cursor.put("level", next);
            cursor = next;
        }
        assertTrue(assertThrows(AuditException.class, () -> AuditEvent.builder(AuditEvent.Category.ADMIN, "x")
                .actor(Actor.system()).action("a").detail("deep", deep).build()).getMessage().contains("nests deeper"));
        Map<String, Object> many = new HashMap<>();
        for (int i = 0; i < 65; i++) {
            many.put("k" + i, i);
        }
        assertThrows(AuditException.class, () -> AuditEvent.builder(AuditEvent.Category.ADMIN, "x")
                .actor(Actor.system()).action("a").details(many).build());
        List<Object> list = new ArrayList<>(List.of("a", 1, true));
        AuditEvent ok = AuditEvent.builder(AuditEvent.Category.ADMIN, "x").actor(Actor.system()).action("a")
                .detail("list", list).detail("state", AuditEvent.Outcome.DENIED).build();
        list.add("later");
        assertEquals(List.of("a", 1, true), ok.details().get("list"), "a deep copy, not the caller's list");
        assertEquals("DENIED", ok.details().get("state"));
    }

    @Test
    void toStringShowsNoValues() {
        AuditEvent e = AuditEvent.builder(AuditEvent.Category.SECURITY, "key.rotated").actor(Actor.user("alice"))
                .action("rotate").detail("newKey", "sk_live_abcdef").reason("scheduled").build();
        assertFalse(e.toString().contains("sk_live"));
        assertFalse(e.toString().contains("scheduled"));
        assertTrue(e.toString().contains("key.rotated"));
    }

    @Test
    void jsonIsOneLineAndControlCharactersCannotForgeLines() throws Exception {
        AuditEvent e = AuditEvent.builder(AuditEvent.Category.SECURITY, "login.failed")
                .timestamp(Instant.parse("2026-11-22T03:00:00Z"))
                .actor(Actor.user("alice").from("203.0.113.7", "agent\r\n{\"forged\":true}"))
                .action("login").resource(Resource.of("account", "alice")).outcome(AuditEvent.Outcome.FAILURE)
                .reason("bad password\nsecond line").request("method", "POST").detail("attempt", 2).build();
        String json = AuditJson.defaults().toJson(e);
        assertFalse(json.contains("\n") || json.contains("\r"), json);
        JsonNode node = new ObjectMapper().readTree(json);
        assertEquals(e.id().toString(), node.get("id").asText());
        assertEquals("2026-11-22T03:00:00Z", node.get("time").asText());
        assertEquals("SECURITY", node.get("category").asText());
        assertEquals("agent\r\n{\"forged\":true}", node.get("actor").get("userAgent").asText());
        assertEquals("account", node.get("resource").get("type").asText());
        assertEquals("FAILURE", node.get("outcome").asText());
        assertEquals("bad password\nsecond line", node.get("reason").asText());
        assertEquals("POST", node.get("request").get("method").asText());
        assertEquals(2, node.get("details").get("attempt").asInt());
        List<String> fields = new ArrayList<>();
        node.fieldNames().forEachRemaining(fields::add);
        assertEquals(List.of("id", "time", "category", "type", "severity", "actor", "action", "resource", "outcome",
                "reason", "request", "details"), fields);
    }

    @Test
    void anEventsIdIsATimeOrderedUuidOfItsTimestamp() {
        Instant at = Instant.parse("2026-12-07T11:40:00.250Z");
        AuditEvent first = AuditEvent.builder(AuditEvent.Category.ADMIN, "clock.test").timestamp(at)
                .actor(Actor.system()).action("tick").build();
        AuditEvent later = AuditEvent.builder(AuditEvent.Category.ADMIN, "clock.test").timestamp(at.plusMillis(1))
                .actor(Actor.system()).action("tick").build();
        assertEquals(7, first.id().version());
        assertEquals(at, dev.infrakit.core.TimeOrderedIds.instantOf(first.id()));
        assertTrue(first.id().toString().compareTo(later.id().toString()) < 0, "ids sort by time");
        AuditEvent ancient = AuditEvent.builder(AuditEvent.Category.ADMIN, "clock.test")
                .timestamp(Instant.parse("1000-01-01T00:00:00Z")).actor(Actor.system()).action("tick").build();
        assertEquals(7, ancient.id().version(), "a time a UUIDv7 cannot hold takes the present's");
    }
}
