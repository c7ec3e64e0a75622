package dev.infrakit.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import dev.infrakit.testkit.EphemeralPostgres;
import dev.infrakit.testkit.EphemeralPostgresExtension;
import dev.infrakit.testkit.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static dev.infrakit.audit.AuditFixtures.KEY;
import static dev.infrakit.audit.AuditFixtures.event;
import static dev.infrakit.audit.PostgresFixtures.inOneBatch;
import static dev.infrakit.audit.PostgresFixtures.pool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No character in a field can make a batch fail: PostgreSQL refuses U+0000 in text and UTF-8 has no
 * encoding for a lone surrogate, so before these were mapped one such value lost every event of
 * its batch, other users' included.
 */
class PostgresAuditTextIT {
    @RegisterExtension
    static final EphemeralPostgresExtension POSTGRES = EphemeralPostgresExtension.perMethod();

    /** One sample of every class of code point, by name. */
    static final Map<String, String> CLASSES = new LinkedHashMap<>();

    static {
        CLASSES.put("nul", "\u0000");
        CLASSES.put("c0-controls", "\u0001\u0007\b\t\n\u000b\f\r\u001b\u001f");
        CLASSES.put("del", "\u007f");
        CLASSES.put("c1-controls", "\u0080\u0085\u009b\u009f");
        CLASSES.put("lone-high-surrogate", "\uD800");
        CLASSES.put("lone-low-surrogate", "\uDC00");
        CLASSES.put("reversed-surrogates", "\uDE00\uD83D");
        CLASSES.put("surrogate-pair", "\uD83D\uDE00");
        CLASSES.put("noncharacters", "\uFFFE\uFFFF\uFDD0\uD83F\uDFFF");
        CLASSES.put("private-use", "\uE000\uF8FF\uDB80\uDC00");
        CLASSES.put("line-separators", "\u2028\u2029");
        CLASSES.put("bidi-overrides", "\u202A\u202B\u202D\u202E\u2066\u2069");
        CLASSES.put("zero-width", "\u200B\u200C\u200D\u2060\uFEFF");
        CLASSES.put("combining-marks", "e\u0301\u0308\u20DD");
        CLASSES.put("nul-and-lone-surrogate", "x\u0000\uD800\u0000");
    }

    static AuditEvent strange(String name, String chars) {
        return AuditEvent.builder(AuditEvent.Category.SECURITY, "text.test")
                .actor(Actor.user("user-" + name + "-" + chars + "-end").from("203.0.113.9", "agent/" + chars))
                .action("probe").resource(Resource.of("credential", "res-" + chars)).reason("why " + chars)
                .outcome(AuditEvent.Outcome.DENIED).severity(AuditEvent.Severity.WARN)
                .detail("key-" + chars, "value-" + chars).detail("nested", List.of(Map.of("k" + chars, chars)))
                .build();
    }

    @Test
    void everyClassOfCodePointCommitsInOneBatchWithOtherUsersEvents(TestDatabase db) throws Exception {
        ObjectMapper json = new ObjectMapper();
        ExecutorService threads = Executors.newCachedThreadPool();
        try (HikariDataSource pool = pool(db.jdbcUrl(), db.username(), db.password())) {
            PostgresAuditSink.createSchema(pool);
            Map<String, String> originalIds = new LinkedHashMap<>();
            try (PostgresAuditSink sink = PostgresAuditSink.builder(pool, KEY).writerId("text").build()) {
                List<Callable<?>> calls = new ArrayList<>();
                for (Map.Entry<String, String> c : CLASSES.entrySet()) {
                    originalIds.put(c.getKey(), "user-" + c.getKey() + "-" + c.getValue() + "-end");
                    calls.add(() -> {
                        sink.record(strange(c.getKey(), c.getValue()));
                        return null;
                    });
                }
                for (int n = 0; n < 16; n++) {
                    int number = n;
                    calls.add(() -> {
                        sink.record(event(number, AuditEvent.Severity.INFO));
                        return null;
                    });
                }
                List<Future<?>> futures = inOneBatch(pool, sink, threads, calls);
                for (Future<?> f : futures) {
                    f.get(30, TimeUnit.SECONDS);
                }
                assertEquals(1 + calls.size(), sink.stats().written());
                assertEquals(2, sink.stats().syncs(), "the blocker's batch, then one batch with every event");

                AuditVerifier.Result result = AuditVerifier.verifyTable(pool, KEY);
                assertTrue(result.ok(), result.toString());
                assertEquals(1 + calls.size(), result.recordsChecked());
                for (Map.Entry<String, String> id : originalIds.entrySet()) {
                    List<AuditRecord> found = sink.query(AuditQuery.builder().actor(id.getValue()).build());
                    assertEquals(1, found.size(), "a query by the original actor id of " + id.getKey());
                    String canonical = Fields.canonical(id.getValue());
                    AuditRecord r = found.get(0);
                    assertEquals(canonical, r.actorId(), id.getKey());
                    assertEquals("res-" + Fields.canonical(CLASSES.get(id.getKey())), r.resourceId(), id.getKey());
                    JsonNode event = json.readTree(r.json());
                    assertEquals(canonical, event.path("actor").path("id").asText(), id.getKey());
                    assertEquals("why " + Fields.canonical(CLASSES.get(id.getKey())), event.path("reason").asText());
                    String resource = "res-" + Fields.canonical(CLASSES.get(id.getKey()));
                    long same = CLASSES.values().stream().filter(v -> resource.equals("res-" + Fields.canonical(v))).count();
                    assertEquals(same, sink.query(AuditQuery.builder().resource("credential",
                            "res-" + CLASSES.get(id.getKey())).build()).size(), "a query by resource of " + id.getKey());
                }
            }
            try (Connection c = pool.getConnection(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*) FROM infrakit_audit WHERE actor_id = 'user-nul-\uFFFD-end'")) {
                rs.next();
                assertEquals(1, rs.getInt(1), "NUL is stored as U+FFFD in the actor_id column");
            }
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void aDatabaseThatIsNotUtf8IsRefusedWithAClearMessage(EphemeralPostgres server) throws Exception {
        String name = "audit_latin1_" + ProcessHandle.current().pid();
        try (Connection admin = server.connectAdmin(); Statement s = admin.createStatement()) {
            s.execute("CREATE DATABASE " + name + " TEMPLATE template0 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C'");
        }
        try {
            try (HikariDataSource pool = pool(server.jdbcUrl(name), server.username(), server.password())) {
                PostgresAuditSink.createSchema(pool);
                AuditException e = assertThrows(AuditException.class, () -> PostgresAuditSink.builder(pool, KEY).build());
                assertTrue(e.getMessage().contains("server_encoding is LATIN1, not UTF8"), e.getMessage());
            }
        } finally {
            try (Connection admin = server.connectAdmin(); Statement s = admin.createStatement()) {
                s.execute("DROP DATABASE " + name);
            }
        }
    }

    @Test
    void aWriterIdWithAControlCharacterIsRefused(TestDatabase db) {
        try (HikariDataSource pool = pool(db.jdbcUrl(), db.username(), db.password())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> PostgresAuditSink.builder(pool, KEY).writerId("a\u0000b"));
            assertFalse(e.getMessage().contains("a\u0000b"));
        }
    }
}
