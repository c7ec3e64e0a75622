package dev.infrakit.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.infrakit.core.fixtures.ModuleDescriptors;
import java.lang.module.ModuleDescriptor;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ModuleDescriptorTest {
    @Test
    void exportsOnlyItsApiPackage() {
        assertEquals(Set.of("dev.infrakit.auth"), ModuleDescriptors.exportedPackages(TokenVerifier.class));
    }

    @Test
    void doesNotRequireCaffeine() {
        Set<String> required = ModuleDescriptors.of(TokenVerifier.class).requires().stream()
                .map(ModuleDescriptor.Requires::name).collect(Collectors.toSet());
        assertFalse(required.contains("com.github.benmanes.caffeine"), required.toString());
    }

    @Test
    void readsNoHttpServerApi() {
        Set<String> required = ModuleDescriptors.of(TokenVerifier.class).requires().stream()
                .map(ModuleDescriptor.Requires::name).collect(Collectors.toSet());
        for (String server : new String[] {"jdk.httpserver", "jakarta.servlet"}) {
            assertFalse(required.contains(server), required.toString());
        }
    }
}
