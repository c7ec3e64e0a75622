package dev.infrakit.credentials;

import dev.infrakit.core.fixtures.ModuleDescriptors;
import org.junit.jupiter.api.Test;

import java.lang.module.ModuleDescriptor;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ModuleDescriptorTest {
    @Test
    void exportsOnlyTheApiPackageAndProvidesTheThreeStores() {
        assertEquals(Set.of("dev.infrakit.credentials", "dev.infrakit.credentials.rotation"),
                ModuleDescriptors.exportedPackages(CredentialStore.class));
        ModuleDescriptor.Provides provides = ModuleDescriptors.of(CredentialStore.class).provides().iterator().next();
        assertEquals(CredentialStoreProvider.class.getName(), provides.service());
        assertEquals(3, provides.providers().size());
    }

    @Test
    void caffeineAndTheDriverAreOptionalAndNothingOfAuthenticationIsLeft() {
        ModuleDescriptor module = ModuleDescriptors.of(CredentialStore.class);
        for (ModuleDescriptor.Requires r : module.requires()) {
            if (r.name().equals("com.github.benmanes.caffeine") || r.name().equals("org.postgresql.jdbc")) {
                assertEquals(Set.of(ModuleDescriptor.Requires.Modifier.STATIC), r.modifiers(), r.name());
            }
        }
        assertEquals(Set.of(), module.requires().stream().map(ModuleDescriptor.Requires::name)
                .filter(n -> n.equals("dev.infrakit.ratelimit")).collect(java.util.stream.Collectors.toSet()),
                "the rate limiter was only needed by authentication");
    }

    @Test
    void readsNoHttpServerApi() {
        assertEquals(java.util.List.of(), ModuleDescriptors.of(CredentialStore.class).requires().stream()
                .map(java.lang.module.ModuleDescriptor.Requires::name)
                .filter(name -> name.equals("jdk.httpserver") || name.startsWith("jakarta.servlet")).toList());
    }
}
