package dev.infrakit.web;

import dev.infrakit.core.fixtures.ModuleDescriptors;
import org.junit.jupiter.api.Test;

import java.lang.module.ModuleDescriptor;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModuleDescriptorTest {
    @Test
    void exportsTheNeutralCoreAndTheServletAdapters() {
        assertEquals(Set.of("dev.infrakit.web", "dev.infrakit.web.servlet"),
                ModuleDescriptors.exportedPackages(BodyLimit.class));
    }

    @Test
    void theServletApiRateLimitingAndMicrometerAreOptional() {
        for (String optional : new String[] {"jakarta.servlet", "dev.infrakit.ratelimit", "micrometer.core"}) {
            ModuleDescriptor.Requires requires = ModuleDescriptors.of(BodyLimit.class).requires().stream()
                    .filter(r -> r.name().equals(optional)).findFirst().orElseThrow();
            assertTrue(requires.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC), optional);
        }
    }
}
