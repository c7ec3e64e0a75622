package dev.infrakit.core;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigTest {

    private static Config one(String key, String value) {
        return Config.of(Map.of(key, value));
    }

    private static ConfigException invalid(Config config, java.util.function.Consumer<Config> getter) {
        return assertThrows(ConfigException.class, () -> getter.accept(config));
    }

    enum Mode { FAIL_OPEN, FAIL_CLOSED, LOCAL_FALLBACK }

    @Nested
    class Types {
        @Test
        void strings() {
            Config c = one("a.b", "  hello world \t");
            assertEquals("hello world", c.getString("a.b"));
            assertEquals("fallback", c.getString("a.c", "fallback"));
            assertEquals("", one("a", "").getString("a"));
        }

        @Test
        void integersAndLongs() {
            assertEquals(-42, one("n", "-42").getInt("n"));
            assertEquals(Integer.MAX_VALUE, one("n", "2147483647").getInt("n"));
            assertEquals(7, Config.empty().getInt("n", 7));
            assertEquals(9_000_000_000L, one("n", "9000000000").getLong("n"));
            assertEquals(5L, Config.empty().getLong("n", 5L));
        }

        @ParameterizedTest
        @CsvSource({"true,true", "TRUE,true", "yes,true", "On,true", "false,false", "no,false", "OFF,false"})
        void booleans(String text, boolean expected) {
            assertEquals(expected, one("b", text).getBoolean("b"));
        }

        @ParameterizedTest
        @CsvSource({
            "500ms,PT0.5S", "30s,PT30S", "15m,PT15M", "15min,PT15M", "1h,PT1H", "2d,PT48H", "1h30m,PT1H30M",
            "1h 30m,PT1H30M", "1.5s,PT1.5S", "250us,PT0.00025S", "10ns,PT0.00000001S", "0,PT0S", "PT15M,PT15M",
            "pt10s,PT10S", "P1D,PT24H", "5 S,PT5S"})
        void durations(String text, String iso) {
            assertEquals(Duration.parse(iso), one("d", text).getDuration("d"));
        }

        @ParameterizedTest
        @CsvSource({
            "0,0", "512,512", "512B,512", "64KB,65536", "64kb,65536", "64KiB,65536", "64k,65536", "100MB,104857600",
            "50MiB,52428800", "1GB,1073741824", "1.5GB,1610612736", "2TiB,2199023255552", "100 MB,104857600"})
        void sizes(String text, long bytes) {
            assertEquals(bytes, one("s", text).getSize("s"));
        }

        @ParameterizedTest
        @ValueSource(strings = {"fail-open", "FAIL_OPEN", "Fail-Open", "fail open"})
        void enums(String text) {
            assertEquals(Mode.FAIL_OPEN, one("m", text).getEnum("m", Mode.class));
        }

        @Test
        void enumDefault() {
            assertEquals(Mode.LOCAL_FALLBACK, Config.empty().getEnum("m", Mode.class, Mode.LOCAL_FALLBACK));
        }

        @Test
        void lists() {
            assertEquals(List.of("a", "b c", "d"), one("l", " a, b c ,d ").getList("l"));
            assertEquals(List.of(), one("l", "").getList("l"));
            assertEquals(List.of("x"), Config.empty().getList("l", List.of("x")));
        }
    }

    @Nested
    class BadValues {
        @Test
        void missingRequiredKeyNamesKeyAndEnvironmentVariable() {
            ConfigException e = invalid(Config.empty().section("infrakit.db"), c -> c.getString("url"));
            assertEquals("infrakit.db.url", e.key());
            assertEquals("Missing required config key 'infrakit.db.url': set it as property infrakit.db.url "
                    + "or environment variable INFRAKIT_DB_URL", e.getMessage());
        }

        @Test
        void badIntegerNamesKeyValueOriginAndExpectation() {
            Config c = Config.builder().environment(Map.of("INFRAKIT_POOL_SIZE", "ten")).build();
            ConfigException e = invalid(c, x -> x.getInt("infrakit.pool.size"));
            assertEquals("Invalid config value for 'infrakit.pool.size' from environment variable "
                    + "INFRAKIT_POOL_SIZE: \"ten\"; expected an integer between -2147483648 and 2147483647", e.getMessage());
        }

        @ParameterizedTest
        @ValueSource(strings = {"2147483648", "1.5", "1e3", "0x10", ""})
        void integersOutOfRangeOrMalformed(String text) {
            ConfigException e = invalid(one("n", text), c -> c.getInt("n"));
            assertTrue(e.getMessage().contains("expected an integer"), e.getMessage());
        }

        @Test
        void longOverflow() {
            ConfigException e = invalid(one("n", "9223372036854775808"), c -> c.getLong("n"));
            assertTrue(e.getMessage().contains("\"9223372036854775808\"; expected an integer between"), e.getMessage());
        }

        @ParameterizedTest
        @ValueSource(strings = {"1", "0", "y", "enabled", "tru", ""})
        void booleansAreStrict(String text) {
            ConfigException e = invalid(one("b", text), c -> c.getBoolean("b"));
            assertTrue(e.getMessage().endsWith("expected true or false (yes/no and on/off are accepted too)"),
                    e.getMessage());
        }

        @ParameterizedTest
        @ValueSource(strings = {"15", "15 minutes", "m", "1h-30m", "PT", "P1X", "abc", "1.5.2s", "10 parsecs", ""})
        void malformedDurations(String text) {
            ConfigException e = invalid(one("d", text), c -> c.getDuration("d"));
            assertTrue(e.getMessage().contains("expected a duration such as 500ms"), e.getMessage());
        }

        @ParameterizedTest
        @ValueSource(strings = {"-5s", "PT-5S", "-PT5S"})
        void negativeDurations(String text) {
            ConfigException e = invalid(one("d", text), c -> c.getDuration("d"));
            assertTrue(e.getMessage().endsWith("expected a duration that is not negative"), e.getMessage());
        }

        @Test
        void durationBeyondRangeOrSubNanosecond() {
            assertTrue(invalid(one("d", "999999999999999d"), c -> c.getDuration("d")).getMessage()
                    .contains("at most 9223372036854775807 seconds"));
            assertTrue(invalid(one("d", "0.5ns"), c -> c.getDuration("d")).getMessage()
                    .contains("whole number of nanoseconds"));
        }

        @ParameterizedTest
        @ValueSource(strings = {"100 parsecs", "MB", "-1MB", "10iB", "10Mi", "1.5B", "10PB", "", "9999999TB"})
        void malformedSizes(String text) {
            ConfigException e = invalid(one("s", text), c -> c.getSize("s"));
            assertTrue(e.getMessage().contains("expected a size such as 512B"), e.getMessage());
        }

        @Test
        void unknownEnumListsTheChoices() {
            ConfigException e = invalid(one("m", "fail-sometimes"), c -> c.getEnum("m", Mode.class));
            assertTrue(e.getMessage().endsWith("\"fail-sometimes\"; expected one of fail-open, fail-closed, local-fallback"),
                    e.getMessage());
        }

        @Test
        void listWithEmptyElement() {
            ConfigException e = invalid(one("l", "a,,b"), c -> c.getList("l"));
            assertTrue(e.getMessage().endsWith("expected a comma-separated list without empty elements"), e.getMessage());
        }

        @Test
        void invalidLetsModulesReportRangeErrorsTheSameWay() {
            Config c = one("infrakit.ratelimit.permits", "0").section("infrakit.ratelimit");
            ConfigException e = c.invalid("permits", "expected at least 1");
            assertEquals("infrakit.ratelimit.permits", e.key());
            assertEquals("Invalid config value for 'infrakit.ratelimit.permits' from explicit overrides: \"0\"; "
                    + "expected at least 1", e.getMessage());
            assertEquals("Invalid config: 'infrakit.x' is not set; expected y", Config.empty().invalid("infrakit.x",
                    "expected y").getMessage());
        }

        @Test
        void malformedKeysAreRejected() {
            assertThrows(IllegalArgumentException.class, () -> Config.empty().getString(""));
            assertThrows(IllegalArgumentException.class, () -> Config.empty().getString(".a"));
            assertThrows(IllegalArgumentException.class, () -> Config.empty().section("a."));
        }
    }

    @Nested
    class Layering {
        @Test
        void laterLayersWinInTheDocumentedOrder(@TempDir Path dir) throws Exception {
            Path first = Files.writeString(dir.resolve("first.properties"), "k.file=first\nk.file2=first\nk.all=file\n");
            Path second = Files.writeString(dir.resolve("second.properties"), "k.file2=second\n");
            Properties system = new Properties();
            system.setProperty("k.all", "system");
            system.setProperty("k.sys", "system");
            Config c = Config.builder()
                    // Call order differs from priority order on purpose: priority is by layer kind.
                    .overrides(Map.of("k.all", "override"))
                    .systemProperties(system)
                    .environment(Map.of("K_ALL", "env", "K_ENV", "env", "K_FILE", "env-beats-file"))
                    .propertiesFile(first)
                    .propertiesFile(second)
                    .defaults(Map.of("k.all", "default", "k.default", "default", "k.file", "default"))
                    .build();
            assertEquals("override", c.getString("k.all"));
            assertEquals("system", c.getString("k.sys"));
            assertEquals("env", c.getString("k.env"));
            assertEquals("env-beats-file", c.getString("k.file"));
            assertEquals("second", c.getString("k.file2"));
            assertEquals("default", c.getString("k.default"));
            assertEquals("explicit overrides", c.origin("k.all").orElseThrow());
            assertEquals("system property k.sys", c.origin("k.sys").orElseThrow());
            assertEquals("environment variable K_ENV", c.origin("k.env").orElseThrow());
            assertEquals("file " + second.toAbsolutePath(), c.origin("k.file2").orElseThrow());
            assertEquals("defaults", c.origin("k.default").orElseThrow());
        }

        @Test
        void environmentNamesMapToDottedKeys() {
            Config c = Config.builder().environment(Map.of(
                    "INFRAKIT_FOO_BAR", "1", "INFRAKIT_AUDIT_MAX_FILE_SIZE", "100MB", "PATH", "/bin")).build();
            assertEquals(1, c.getInt("infrakit.foo.bar"));
            assertEquals(100L * 1024 * 1024, c.getSize("infrakit.audit.max-file-size"));
            assertEquals(Set.of("infrakit.foo.bar", "infrakit.audit.max.file.size"), c.keys());
        }

        @Test
        void withOverridesAddsATopLayer() {
            Config base = Config.builder().defaults(Map.of("a", "1", "b", "2")).build();
            Config flags = base.withOverrides(Map.of("a", "10"));
            assertEquals(10, flags.getInt("a"));
            assertEquals(2, flags.getInt("b"));
            assertEquals(1, base.getInt("a"), "the original is unchanged");
        }

        @Test
        void sectionsAreRelativeViewsWithFullKeysInMessages() {
            Config c = Config.of(Map.of("infrakit.audit.dir", "/var/log", "infrakit.audit.file.max-size", "big",
                    "infrakit.other", "x"));
            Config audit = c.section("infrakit.audit");
            assertEquals("/var/log", audit.getString("dir"));
            assertEquals(Set.of("dir", "file.max-size"), audit.keys());
            Config file = audit.section("file");
            assertEquals("infrakit.audit.file", file.prefix());
            ConfigException e = assertThrows(ConfigException.class, () -> file.getSize("max-size"));
            assertEquals("infrakit.audit.file.max-size", e.key());
        }

        @Test
        void filesMustExistUnlessOptional(@TempDir Path dir) {
            Path missing = dir.resolve("nope.properties");
            ConfigException e = assertThrows(ConfigException.class, () -> Config.builder().propertiesFile(missing));
            assertTrue(e.getMessage().contains(missing.toString()) && e.getMessage().contains("does not exist"),
                    e.getMessage());
            assertTrue(Config.builder().optionalPropertiesFile(missing).build().keys().isEmpty());
        }

        @Test
        void aFileThatCannotBeParsedIsNamed(@TempDir Path dir) throws Exception {
            Path bad = Files.writeString(dir.resolve("bad.properties"), "key=\\uZZZZ\n");
            ConfigException e = assertThrows(ConfigException.class, () -> Config.builder().optionalPropertiesFile(bad));
            assertTrue(e.getMessage().contains(bad.toString()) && e.getMessage().contains("cannot be read"),
                    e.getMessage());
        }

        @Test
        void layersCannotBeSetTwiceAndNullsAreRejected() {
            Config.Builder b = Config.builder().environment(Map.of());
            assertThrows(IllegalStateException.class, () -> b.environment(Map.of()));
            Config.Builder s = Config.builder().systemProperties(new Properties());
            assertThrows(IllegalStateException.class, () -> s.systemProperties(new Properties()));
            java.util.HashMap<String, String> withNull = new java.util.HashMap<>();
            withNull.put("a", null);
            assertThrows(IllegalArgumentException.class, () -> Config.builder().defaults(withNull));
        }
    }

    @Nested
    class Secrets {
        @ParameterizedTest
        @ValueSource(strings = {"infrakit.db.password", "infrakit.jwt.secret", "api_key", "infrakit.master-key",
            "infrakit.auth.token", "masterKey", "infrakit.slack.webhook-token", "db.passwd", "tls.private-key-file",
            "infrakit.oauth.client-credentials", "infrakit.notify.webhook.url"})
        void secretValuesAreMaskedInMessagesAndToString(String key) {
            Config c = one(key, "hunter2-secret-value");
            ConfigException e = assertThrows(ConfigException.class, () -> c.getInt(key));
            assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
            assertTrue(e.getMessage().contains("******"), e.getMessage());
            assertFalse(c.toString().contains("hunter2"), c.toString());
            assertEquals("hunter2-secret-value", c.getString(key), "the getter still returns the value");
        }

        @ParameterizedTest
        @ValueSource(strings = {"infrakit.ratelimit.max-keys", "infrakit.pool.size", "infrakit.audit.dir", "monkeys"})
        void ordinaryValuesAreShown(String key) {
            Config c = one(key, "visible");
            assertTrue(c.toString().contains("visible"), c.toString());
            assertTrue(assertThrows(ConfigException.class, () -> c.getInt(key)).getMessage().contains("\"visible\""));
        }
    }
}
