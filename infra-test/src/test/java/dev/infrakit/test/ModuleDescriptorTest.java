package dev.infrakit.test;

import dev.infrakit.core.fixtures.ModuleDescriptors;
import org.junit.jupiter.api.Test;

import java.lang.module.ModuleDescriptor;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModuleDescriptorTest {
    @Test
    void exportsTheFakesAndTheKitsAndPassesTheModulesOnToItsUsers() {
        assertEquals(Set.of("dev.infrakit.test", "dev.infrakit.test.contract"),
                ModuleDescriptors.exportedPackages(RecordingAuditSink.class));
        ModuleDescriptor descriptor = ModuleDescriptors.of(RecordingAuditSink.class);
        assertEquals("dev.infrakit.test", descriptor.name());
        Set<String> transitive = descriptor.requires().stream()
                .filter(r -> r.modifiers().contains(ModuleDescriptor.Requires.Modifier.TRANSITIVE))
                .map(ModuleDescriptor.Requires::name).collect(Collectors.toSet());
        assertTrue(transitive.containsAll(Set.of("dev.infrakit.core", "dev.infrakit.audit", "dev.infrakit.ratelimit",
                "dev.infrakit.credentials", "dev.infrakit.auth", "dev.infrakit.backup", "org.junit.jupiter.api")),
                transitive.toString());
    }
}
