package dev.infrakit.spring.boot;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.infrakit.credentials.CachingCredentialStore;
import dev.infrakit.credentials.CredentialStore;
import dev.infrakit.credentials.FileCredentialStore;
import dev.infrakit.credentials.InMemoryCredentialStore;
import dev.infrakit.credentials.MasterKey;
import dev.infrakit.credentials.SecretValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static dev.infrakit.spring.boot.StartupFailures.assertFailedNaming;
import static org.assertj.core.api.Assertions.assertThat;

class InfrakitCredentialsAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(InfrakitCredentialsAutoConfiguration.class));

    @TempDir
    Path dir;

    @Test
    void noStoreUntilConfigured() {
        runner.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(CredentialStore.class));
    }

    @Test
    void enabledAloneIsTheInMemoryStore() {
        runner.withPropertyValues("infrakit.credentials.enabled=true")
                .run(context -> assertThat(context.getBean(CredentialStore.class)).isInstanceOf(InMemoryCredentialStore.class));
    }

    @Test
    void theFileStoreIsEncryptedWithTheConfiguredMasterKeyAndKeepsCredentialsAcrossRestarts() throws IOException {
        String[] properties = {"infrakit.credentials.store=file", "infrakit.credentials.file.dir=" + dir.resolve("store"),
                "infrakit.credentials.master-key=" + MasterKey.generate().toBase64()};
        runner.withPropertyValues(properties).run(context -> {
            CredentialStore store = context.getBean(CredentialStore.class);
            assertThat(store).isInstanceOf(FileCredentialStore.class);
            store.put("apps/billing/db", SecretValue.login("billing", "plain-text-password-7"));
        });
        try (Stream<Path> files = Files.walk(dir.resolve("store"))) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                assertThat(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1))
                        .doesNotContain("plain-text-password-7");
            }
        }
        runner.withPropertyValues(properties).run(context -> assertThat(context.getBean(CredentialStore.class)
                .get("apps/billing/db").value().password()).contains("plain-text-password-7"));
    }

    @Test
    void cacheEnabledPutsTheCacheInFront() {
        runner.withPropertyValues("infrakit.credentials.store=memory", "infrakit.credentials.cache.enabled=true")
                .run(context -> assertThat(context.getBean(CredentialStore.class)).isInstanceOf(CachingCredentialStore.class));
    }

    @Test
    void cacheMetadataCachesMetadataWithTheValues() {
        runner.withPropertyValues("infrakit.credentials.store=memory", "infrakit.credentials.cache.enabled=true",
                "infrakit.credentials.cache.metadata=true").run(context -> {
                    CachingCredentialStore store = (CachingCredentialStore) context.getBean(CredentialStore.class);
                    store.put("db", dev.infrakit.credentials.SecretValue.login("u", "p"));
                    store.metadata("db");
                    assertThat(store.metadata("db").orElseThrow().currentVersion()).isEqualTo(1);
                    assertThat(store.hits()).as("the second metadata read is a hit").isEqualTo(1);
                });
    }

    @Test
    void theApplicationsOwnStoreWins() {
        InMemoryCredentialStore own = InMemoryCredentialStore.create();
        runner.withPropertyValues("infrakit.credentials.store=memory").withBean(CredentialStore.class, () -> own)
                .run(context -> assertThat(context.getBean(CredentialStore.class)).isSameAs(own));
    }

    @Test
    void aBadMasterKeyFailsTheStartNamingTheKeyWithoutShowingOrLoggingIt() {
        String secret = "Zm9vYmFyc2VjcmV0LXRvby1zaG9ydA";
        LoggerFactory.getLogger(getClass()).debug("capturing log output");
        Logger root = ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        Level level = root.getLevel();
        root.setLevel(Level.DEBUG);
        root.addAppender(logged);
        try {
            runner.withPropertyValues("infrakit.credentials.store=file", "infrakit.credentials.file.dir=" + dir,
                    "infrakit.credentials.master-key=" + secret).run(context -> {
                        assertFailedNaming(context, "infrakit.credentials.master-key");
                        assertThat(StartupFailures.messages(context)).allSatisfy(m -> assertThat(m).doesNotContain(secret));
                        assertThat(context.getStartupFailure().toString()).doesNotContain(secret);
                    });
        } finally {
            root.detachAppender(logged);
            root.setLevel(level);
        }
        assertThat(logged.list).isNotEmpty();
        assertThat(logged.list).allSatisfy(e -> assertThat(e.getFormattedMessage()).doesNotContain(secret));
    }

    @Test
    void anUnknownStoreFailsTheStartListingTheKnownOnes() {
        runner.withPropertyValues("infrakit.credentials.store=vault").run(context -> assertThat(
                StartupFailures.messages(context)).anySatisfy(m -> assertThat(m).contains("infrakit.credentials.store")
                        .contains("memory").contains("file")));
    }

    @Test
    void withoutInfraCredentialsOnTheClassPathNothingIsConfigured() {
        runner.withClassLoader(new FilteredClassLoader(CredentialStore.class))
                .withPropertyValues("infrakit.credentials.store=memory")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(CredentialStore.class));
    }
}
