package dev.infrakit.core;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.infrakit.core.fixtures.DuplicateProvider;
import dev.infrakit.core.fixtures.EnglishGreeterProvider;
import dev.infrakit.core.fixtures.Greeter;
import dev.infrakit.core.fixtures.GreeterProvider;
import dev.infrakit.core.fixtures.IsolatedProvider;
import dev.infrakit.core.fixtures.NeedsLibraryProvider;
import dev.infrakit.core.fixtures.NobodyProvider;
import dev.infrakit.core.fixtures.SoloProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProvidersTest {

    @Test
    void discoversEveryLoadableProviderAndRecordsTheBrokenOnes() {
        Logger logger = (Logger) LoggerFactory.getLogger(Providers.class);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        logger.addAppender(logs);
        try {
            Providers<GreeterProvider> providers = Providers.discover(GreeterProvider.class);
            assertEquals(List.of("english", "french", "broken", "null-returning"), providers.names());
            List<String> failed = providers.failures().stream().map(Providers.Failure::provider).toList();
            assertEquals(List.of("dev.infrakit.core.fixtures.ExplodingConstructorGreeterProvider",
                    "dev.infrakit.core.fixtures.DoesNotExistGreeterProvider",
                    "dev.infrakit.core.fixtures.BadNameGreeterProvider"), failed);
            assertTrue(providers.failures().get(2).cause().getMessage().contains("'has spaces'"));
            List<String> warnings = logs.list.stream().filter(e -> e.getLevel() == Level.WARN)
                    .map(ILoggingEvent::getFormattedMessage).toList();
            assertEquals(3, warnings.size(), warnings.toString());
            assertEquals("Provider dev.infrakit.core.fixtures.ExplodingConstructorGreeterProvider of "
                    + "dev.infrakit.core.fixtures.GreeterProvider is ignored: could not be instantiated: "
                    + "java.lang.IllegalStateException: boom in constructor", warnings.get(0));
            assertEquals("Provider dev.infrakit.core.fixtures.DoesNotExistGreeterProvider of "
                    + "dev.infrakit.core.fixtures.GreeterProvider is ignored: not found", warnings.get(1));
        } finally {
            logger.detachAppender(logs);
        }
    }

    @Test
    void selectsByNameIgnoringCase() {
        Greeter english = Providers.load(GreeterProvider.class, Config.of(Map.of("test.greeter", "ENGLISH")));
        assertEquals("Hello, Ada!", english.greet("Ada"));
        Greeter french = Providers.load(GreeterProvider.class, Config.of(Map.of("test.greeter", "french")), "test.greeter");
        assertEquals("Bonjour, Ada", french.greet("Ada"));
    }

    @Test
    void theProviderReadsItsOwnSection() {
        Greeter greeter = Providers.load(GreeterProvider.class,
                Config.of(Map.of("test.greeter", "english", "test.greeter.english.punctuation", "?")));
        assertEquals("Hello, Ada?", greeter.greet("Ada"));
        ConfigException e = assertThrows(ConfigException.class, () -> Providers.load(GreeterProvider.class,
                Config.of(Map.of("test.greeter", "english", "test.greeter.english.punctuation", "!!!!"))));
        assertEquals("test.greeter.english.punctuation", e.key(), "config problems pass through unwrapped");
    }

    @Test
    void unknownNameListsTheAvailableOnesAndTheFailures() {
        ProviderException e = assertThrows(ProviderException.class, () -> Providers.load(GreeterProvider.class,
                Config.builder().environment(Map.of("TEST_GREETER", "klingon")).build()));
        String m = e.getMessage();
        assertTrue(m.startsWith("Unknown provider 'klingon' for dev.infrakit.core.fixtures.GreeterProvider; "
                + "available: english, french, broken, null-returning"), m);
        assertTrue(m.contains("ExplodingConstructorGreeterProvider") && m.contains("DoesNotExistGreeterProvider"), m);
        assertTrue(m.endsWith("(selected by test.greeter from environment variable TEST_GREETER)"), m);
    }

    @Test
    void aBlankNameIsAConfigError() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> Providers.load(GreeterProvider.class, Config.of(Map.of("test.greeter", " "))));
        assertTrue(e.getMessage().contains("expected a provider name, one of english, french"), e.getMessage());
    }

    @Test
    void severalProvidersAndNoNameIsAnError() {
        ProviderException e = assertThrows(ProviderException.class,
                () -> Providers.load(GreeterProvider.class, Config.empty()));
        assertTrue(e.getMessage().startsWith("Several providers of dev.infrakit.core.fixtures.GreeterProvider are "
                + "present (english, french, broken, null-returning) and none was chosen by name"), e.getMessage());
        assertTrue(e.getMessage().endsWith("; set test.greeter to one of them"), e.getMessage());
    }

    @Test
    void theOnlyProviderIsTheDefault() {
        String created = Providers.load(SoloProvider.class, Config.of(Map.of("solo.value", "x")), "solo.kind");
        assertEquals("solo:x", created);
    }

    @Test
    void noProviderAtAllIsAnError() {
        ProviderException e = assertThrows(ProviderException.class,
                () -> Providers.load(NobodyProvider.class, Config.empty(), "nobody.kind"));
        assertEquals("No provider of dev.infrakit.core.fixtures.NobodyProvider was found on the class path; "
                + "set nobody.kind to one of them", e.getMessage());
    }

    @Test
    void duplicateNamesFailDiscovery() {
        ProviderException e = assertThrows(ProviderException.class, () -> Providers.discover(DuplicateProvider.class));
        assertEquals("Two providers of dev.infrakit.core.fixtures.DuplicateProvider are named 'SAME': "
                + "dev.infrakit.core.fixtures.DuplicateProvider$First and "
                + "dev.infrakit.core.fixtures.DuplicateProvider$Second; remove one from the class path", e.getMessage());
    }

    @Test
    void aProviderThatThrowsInCreateIsNamedAndTheOthersStillWork() {
        ProviderException e = assertThrows(ProviderException.class,
                () -> Providers.load(GreeterProvider.class, Config.of(Map.of("test.greeter", "broken"))));
        assertEquals("Provider 'broken' (dev.infrakit.core.fixtures.BrokenCreateGreeterProvider) failed to create a "
                + "Greeter: cannot reach the greeting service", e.getMessage());
        assertInstanceOf(IllegalStateException.class, e.getCause());
        assertEquals("Hello, Ada!", Providers.load(GreeterProvider.class,
                Config.of(Map.of("test.greeter", "english"))).greet("Ada"));
    }

    @Test
    void aProviderWhoseOptionalLibraryIsAbsentNamesTheClassAndTheLibraryToAdd() {
        ProviderException hikari = assertThrows(ProviderException.class, () -> Providers.load(NeedsLibraryProvider.class,
                Config.of(Map.of("store", "pooled")), "store"));
        assertEquals("Provider 'pooled' (dev.infrakit.core.fixtures.NeedsLibraryProvider$Pooled) needs class "
                + "com.zaxxer.hikari.HikariDataSource, which is not on the class path; add com.zaxxer:HikariCP (and the "
                + "database's JDBC driver, e.g. org.postgresql:postgresql) (selected by store)", hikari.getMessage());
        assertInstanceOf(NoClassDefFoundError.class, hikari.getCause());
        ProviderException caffeine = assertThrows(ProviderException.class, () -> Providers.load(NeedsLibraryProvider.class,
                Config.of(Map.of("missing", "com/github/benmanes/caffeine/cache/Caffeine")), "store"));
        assertTrue(caffeine.getMessage().endsWith("not on the class path; add com.github.ben-manes.caffeine:caffeine"),
                caffeine.getMessage());
        ProviderException other = assertThrows(ProviderException.class, () -> Providers.load(NeedsLibraryProvider.class,
                Config.of(Map.of("missing", "org/example/Thing")), "store"));
        assertTrue(other.getMessage().contains("needs class org.example.Thing, which is not on the class path; "
                + "add the library that provides it"), other.getMessage());
    }

    @Test
    void aProviderReturningNullIsRejected() {
        ProviderException e = assertThrows(ProviderException.class,
                () -> Providers.load(GreeterProvider.class, Config.of(Map.of("test.greeter", "null-returning"))));
        assertTrue(e.getMessage().endsWith("returned null from create()"), e.getMessage());
    }

    @Test
    void anSpiWithoutSelectedByNeedsAnExplicitKey() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Providers.load(SoloProvider.class, Config.empty()));
        assertTrue(e.getMessage().contains("no @SelectedBy annotation"), e.getMessage());
    }

    /** A class loader that sees a services file registering IsolatedProvider.Hidden; nothing else does. */
    private URLClassLoader isolatedLoader(Path dir) throws Exception {
        Path services = Files.createDirectories(dir.resolve("META-INF/services"));
        Files.writeString(services.resolve(IsolatedProvider.class.getName()), IsolatedProvider.Hidden.class.getName());
        return new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader());
    }

    @Test
    void anExplicitClassLoaderIsUsed(@TempDir Path dir) throws Exception {
        assertTrue(Providers.discover(IsolatedProvider.class).names().isEmpty());
        try (URLClassLoader loader = isolatedLoader(dir)) {
            Providers<IsolatedProvider> providers = Providers.discover(IsolatedProvider.class, loader);
            assertEquals(List.of("hidden"), providers.names());
            assertEquals("hidden", providers.select(null).create(Config.empty()));
        }
    }

    @Test
    void contextClassLoaderIsTheDefault(@TempDir Path dir) throws Exception {
        Thread thread = Thread.currentThread();
        ClassLoader original = thread.getContextClassLoader();
        try (URLClassLoader loader = isolatedLoader(dir)) {
            thread.setContextClassLoader(loader);
            assertEquals(List.of("hidden"), Providers.discover(IsolatedProvider.class).names());
        } finally {
            thread.setContextClassLoader(original);
        }
    }

    @Test
    void findAndSelect() {
        Providers<GreeterProvider> providers = Providers.discover(GreeterProvider.class);
        assertInstanceOf(EnglishGreeterProvider.class, providers.find("English").orElseThrow());
        assertTrue(providers.find("german").isEmpty());
        assertSame(providers.find("french").orElseThrow(), providers.select("FRENCH"));
        assertEquals("Providers[GreeterProvider: english, french, broken, null-returning]", providers.toString());
    }
}
