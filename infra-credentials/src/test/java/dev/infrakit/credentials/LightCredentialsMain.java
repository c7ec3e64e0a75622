package dev.infrakit.credentials;

import dev.infrakit.core.Providers;

import java.nio.file.Path;
import java.util.List;

/**
 * Run by {@link LightRuntimeIT} in a JVM holding only infra-credentials' runtime jars: the
 * encrypted file store and the in-memory store write and read, and the store providers are
 * discovered. Prints one line per step.
 */
public final class LightCredentialsMain {
    private LightCredentialsMain() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]).resolve("store");
        try (FileCredentialStore store = FileCredentialStore.directory(dir, KeyRing.of(MasterKey.generate())).build()) {
            store.put("db/main", SecretValue.login("app", "a-password-for-the-light-test"));
            System.out.println("file store read: " + store.get("db/main").value().field("username").orElseThrow());
        }
        try (InMemoryCredentialStore store = InMemoryCredentialStore.builder().build()) {
            System.out.println("memory store version: " + store.put("k", SecretValue.ofFields(java.util.Map.of("v", "x"))));
            System.out.println("no meters: " + store.metrics().isEmpty());
        }
        System.out.println("stores: " + Providers.discover(CredentialStoreProvider.class).names());
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
