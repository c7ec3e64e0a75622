package dev.infrakit.testkit;

import org.junit.jupiter.api.Test;

import java.lang.module.ModuleDescriptor;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ModuleDescriptorTest {

    @Test
    void exportsOnlyTheApiPackage() {
        ModuleDescriptor descriptor = ModuleDescriptors.of(EphemeralPostgres.class);
        assertEquals("dev.infrakit.testkit", descriptor.name());
        assertEquals(Set.of("dev.infrakit.testkit"), ModuleDescriptors.exportedPackages(EphemeralPostgres.class));
    }

    @Test
    void classesOutsideAModuleAreReported() {
        // Test classes live in a plain directory without module-info.
        assertThrows(IllegalStateException.class, () -> ModuleDescriptors.of(ModuleDescriptorTest.class));
    }
}
