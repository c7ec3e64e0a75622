package dev.infrakit.credentials;

import dev.infrakit.credentials.fixtures.RecordingAuditSink;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import dev.infrakit.audit.AuditJson;
import dev.infrakit.core.Config;
import dev.infrakit.core.ConfigException;
import dev.infrakit.core.Providers;
import dev.infrakit.testkit.EphemeralPostgres;
import dev.infrakit.testkit.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code infrakit.credentials.store=memory|file|postgres} through {@link Providers}, and a run of
 * every store, the cache and the audit decorator with a secret in play while every log line is
 * captured: the secret appears in none.
 */
class ProvidersIT {
    private static final String PASSWORD = "hunter2-" + "must-never-be-logged";

    private static CredentialStore load(Map<String, String> values) {
        return Providers.load(CredentialStoreProvider.class, Config.of(values));
    }

    @Test
    void eachBuiltInStoreIsChosenAndConfiguredByName(@TempDir Path dir) throws Exception {
        MasterKey key = MasterKey.generateToFile(dir.resolve("master.key"));
        try (CredentialStore memory = load(Map.of("infrakit.credentials.store", "memory",
                "infrakit.credentials.max-versions", "2"))) {
            for (int i = 0; i < 3; i++) {
                memory.put("a", SecretValue.login("u", "p" + i));
            }
            assertEquals(2, memory.metadata("a").orElseThrow().versions().size());
            assertTrue(memory instanceof InMemoryCredentialStore);
        }
        try (CredentialStore file = load(Map.of("infrakit.credentials.store", "file",
                "infrakit.credentials.file.dir", dir.resolve("creds").toString(),
                "infrakit.credentials.master-key-file", dir.resolve("master.key").toString(),
                "infrakit.credentials.cache.enabled", "true", "infrakit.credentials.cache.refresh-after", "1m"))) {
            file.put("db", SecretValue.login("u", PASSWORD));
            assertTrue(file instanceof CachingCredentialStore, file.toString());
            assertEquals(PASSWORD, file.get("db").value().password().orElseThrow());
        }
        try (CredentialStore memory = load(Map.of("infrakit.credentials.store", "memory",
                "infrakit.credentials.cache.enabled", "true", "infrakit.credentials.cache.metadata", "true"))) {
            memory.put("db", SecretValue.login("u", PASSWORD));
            memory.metadata("db");
            assertEquals(1, memory.metadata("db").orElseThrow().currentVersion());
            assertEquals(1, ((CachingCredentialStore) memory).hits(), "cache.metadata: the second metadata read is a hit");
        }
        try (CredentialStore reopened = load(Map.of("infrakit.credentials.store", "file",
                "infrakit.credentials.file.dir", dir.resolve("creds").toString(),
                "infrakit.credentials.master-key", key.toBase64()))) {
            assertEquals(PASSWORD, reopened.get("db").value().password().orElseThrow(), "the same key reads the files");
        }
        Files.delete(dir.resolve("creds").resolve(".manifest"));
        Map<String, String> lostManifest = Map.of("infrakit.credentials.store", "file",
                "infrakit.credentials.file.dir", dir.resolve("creds").toString(),
                "infrakit.credentials.master-key", key.toBase64());
        RuntimeException refused = assertThrows(RuntimeException.class, () -> load(lostManifest));
        assertTrue(refused.getMessage().contains("Provider 'file'") && refused.getMessage().contains(".manifest is missing")
                && refused.getCause() instanceof CredentialIntegrityException, refused.toString());
        Map<String, String> rebuild = new HashMap<>(lostManifest);
        rebuild.put("infrakit.credentials.file.rebuild-manifest", "true");
        try (CredentialStore rebuilt = load(rebuild)) {
            assertEquals(PASSWORD, rebuilt.get("db").value().password().orElseThrow(), "file.rebuild-manifest recovers");
        }
        try (CredentialStore single = load(Map.of("infrakit.credentials.store", "file",
                "infrakit.credentials.file.path", dir.resolve("one.json").toString(),
                "infrakit.credentials.master-key", key.toBase64()))) {
            single.put("x", SecretValue.ofBytes(new byte[] {1, 2, 3}));
        }
        assertTrue(Files.exists(dir.resolve("one.json")));

        TestDatabase db = EphemeralPostgres.shared().createDatabase("providers");
        try {
            Map<String, String> pg = new HashMap<>(Map.of("infrakit.credentials.store", "postgres",
                    "infrakit.credentials.postgres.url", db.jdbcUrl(),
                    "infrakit.credentials.postgres.username", db.username(),
                    "infrakit.credentials.postgres.password", db.password(),
                    "infrakit.credentials.master-key", key.toBase64(),
                    "infrakit.credentials.cache.enabled", "true"));
            try (CredentialStore postgres = load(pg)) {
                postgres.put("db", SecretValue.login("u", PASSWORD));
                assertEquals(PASSWORD, postgres.get("db").value().password().orElseThrow());
                assertTrue(postgres.toString().contains("Postgres"), postgres.toString());
            }
        } finally {
            db.close();
        }
    }

    @Test
    void badConfigurationNamesTheKey(@TempDir Path dir) {
        ConfigException noKey = assertThrows(ConfigException.class, () -> load(Map.of("infrakit.credentials.store",
                "file", "infrakit.credentials.file.dir", dir.toString(), "infrakit.credentials.master-key-env",
                "INFRAKIT_TEST_UNSET_VARIABLE")));
        assertEquals("infrakit.credentials.master-key", noKey.key());
        assertTrue(noKey.getMessage().contains("INFRAKIT_TEST_UNSET_VARIABLE"), noKey.getMessage());

        String shortKey = java.util.Base64.getEncoder().encodeToString(new byte[12]);
        ConfigException badKey = assertThrows(ConfigException.class, () -> load(Map.of("infrakit.credentials.store",
                "file", "infrakit.credentials.file.dir", dir.toString(), "infrakit.credentials.master-key", shortKey)));
        assertEquals("infrakit.credentials.master-key", badKey.key());
        assertFalse(badKey.getMessage().contains(shortKey), "the key is not echoed: " + badKey.getMessage());

        ConfigException noDir = assertThrows(ConfigException.class, () -> load(Map.of("infrakit.credentials.store",
                "file", "infrakit.credentials.master-key", MasterKey.generate().toBase64())));
        assertEquals("infrakit.credentials.file.dir", noDir.key());

        ConfigException versions = assertThrows(ConfigException.class, () -> load(Map.of("infrakit.credentials.store",
                "memory", "infrakit.credentials.max-versions", "0")));
        assertEquals("infrakit.credentials.max-versions", versions.key());

        ConfigException cache = assertThrows(ConfigException.class, () -> load(Map.of("infrakit.credentials.store",
                "memory", "infrakit.credentials.cache.enabled", "true", "infrakit.credentials.cache.refresh-after",
                "1h", "infrakit.credentials.cache.expire-after", "1m")));
        assertTrue(cache.getMessage().contains("must not exceed expireAfter"), cache.getMessage());

        Exception unknown = assertThrows(RuntimeException.class, () -> load(Map.of("infrakit.credentials.store",
                "vault")));
        assertTrue(unknown.getMessage().contains("memory") && unknown.getMessage().contains("postgres"),
                unknown.getMessage());
    }

    @Test
    void noSecretValueAppearsInAnyLogLine(@TempDir Path dir) throws Exception {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Level before = root.getLevel();
        ListAppender<ILoggingEvent> captured = new ListAppender<>();
        captured.setContext(context);
        captured.start();
        root.addAppender(captured);
        root.setLevel(Level.TRACE);
        try {
            exerciseEverything(dir);
        } finally {
            root.detachAppender(captured);
            root.setLevel(before);
        }
        assertTrue(captured.list.size() > 3, "the run logged something: " + captured.list.size());
        for (ILoggingEvent event : captured.list) {
            String text = event.getFormattedMessage() + (event.getThrowableProxy() == null ? ""
                    : ThrowableProxyUtil.asString(event.getThrowableProxy()));
            assertFalse(text.contains(PASSWORD), "logged: " + text);
        }
    }

    /** Writes, reads, failures, stale reads, tampering and audit events, all with the secret in play. */
    private static void exerciseEverything(Path dir) throws Exception {
        KeyRing ring = KeyRing.of(MasterKey.generate());
        RecordingAuditSink sink = new RecordingAuditSink();
        TestDatabase db = EphemeralPostgres.shared().createDatabase("no_secrets");
        try (CredentialStore pg = load(Map.of("infrakit.credentials.store", "postgres",
                "infrakit.credentials.postgres.url", db.jdbcUrl(), "infrakit.credentials.postgres.username",
                db.username(), "infrakit.credentials.postgres.password", db.password(),
                "infrakit.credentials.master-key", ring.primary().toBase64()));
                FileCredentialStore file = FileCredentialStore.directory(dir.resolve("files"), ring).build()) {
            for (CredentialStore store : List.of(pg, file, InMemoryCredentialStore.create())) {
                CredentialStore audited = AuditedCredentialStore.builder(store, sink).build();
                audited.put("app/db", SecretValue.login("app", PASSWORD));
                audited.get("app/db").value().password().orElseThrow();
                assertThrows(VersionConflictException.class, () -> audited.put("app/db", SecretValue.login("app",
                        PASSWORD), WriteCondition.createOnly()));
                assertThrows(IllegalArgumentException.class, () -> audited.put("bad name", SecretValue.login("app",
                        PASSWORD)));
                // The cache serving a stale value and logging why.
                dev.infrakit.core.ManualClock clock = dev.infrakit.core.ManualClock.create();
                CachingCredentialStoreTest.FlakyStore flaky = new CachingCredentialStoreTest.FlakyStore(store);
                try (CachingCredentialStore cache = CachingCredentialStore.builder(flaky).ticker(clock)
                        .executor(Runnable::run).build()) {
                    cache.get("app/db");
                    flaky.down(true);
                    clock.advance(Duration.ofMinutes(6));
                    cache.get("app/db");
                    clock.advance(Duration.ofMinutes(10));
                    cache.get("app/db");
                }
            }
            // A tampered file: read fails with an integrity error, which is logged by nobody but thrown.
            try (Stream<Path> files = Files.list(dir.resolve("files"))) {
                Path record = files.filter(p -> p.toString().endsWith(".json")).findFirst().orElseThrow();
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"data\" : \"([^\"]+)\"").matcher(
                        Files.readString(record));
                assertTrue(m.find(), "a version's data in " + record);
                String[] parts = m.group(1).split("\\.");
                parts[3] = (parts[3].charAt(0) == 'A' ? "B" : "A") + parts[3].substring(1);
                Files.writeString(record, Files.readString(record).replace(m.group(1), String.join(".", parts)));
            }
            CredentialException tampered = assertThrows(CredentialException.class, () -> file.get("app/db"));
            LoggerFactory.getLogger(ProvidersIT.class).warn("tampered read failed", tampered);
        } finally {
            db.close();
        }
        AuditJson json = AuditJson.defaults();
        for (dev.infrakit.audit.AuditEvent event : sink.events) {
            LoggerFactory.getLogger("infrakit.audit").info(json.toJson(event));
        }
    }
}
