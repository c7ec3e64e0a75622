package dev.infrakit.audit;

import dev.infrakit.core.fixtures.ModuleDescriptors;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ModuleDescriptorTest {
    @Test
    void exportsOnlyTheApiPackage() {
        assertEquals(Set.of("dev.infrakit.audit"), ModuleDescriptors.exportedPackages(AuditEvent.class));
        assertEquals(3, ModuleDescriptors.of(AuditEvent.class).provides().iterator().next().providers().size());
    }
}
