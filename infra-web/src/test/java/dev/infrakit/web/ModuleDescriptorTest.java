package dev.infrakit.web;

import dev.infrakit.core.fixtures.ModuleDescriptors;
import org.junit.jupiter.api.Test;

import java.lang.module.ModuleDescriptor;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModuleDescriptorTest {
    @Test
    void exportsTheNeutralCoreAndItsAdapters() {
        assertEquals(Set.of("dev.infrakit.web", "dev.infrakit.web.servlet", "dev.infrakit.web.jdk"),
                ModuleDescriptors.exportedPackages(BodyLimit.class));
    }

    @Test
    void theServerApisRateLimitingAndAuthenticationAreOptional() {
        for (String optional : new String[] {"jakarta.servlet", "jdk.httpserver", "dev.infrakit.ratelimit",
                "dev.infrakit.auth"}) {
            ModuleDescriptor.Requires requires = ModuleDescriptors.of(BodyLimit.class).requires().stream()
                    .filter(r -> r.name().equals(optional)).findFirst().orElseThrow();
            assertTrue(requires.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC), optional);
        }
    }
}
