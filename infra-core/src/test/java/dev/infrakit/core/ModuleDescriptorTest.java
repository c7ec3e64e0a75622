package dev.infrakit.core;

import dev.infrakit.testkit.ModuleDescriptors;
import org.junit.jupiter.api.Test;

import java.lang.module.ModuleDescriptor;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModuleDescriptorTest {

    @Test
    void exportsOnlyTheApiPackage() {
        ModuleDescriptor descriptor = ModuleDescriptors.of(Config.class);
        assertEquals("dev.infrakit.core", descriptor.name());
        assertEquals(Set.of("dev.infrakit.core"), ModuleDescriptors.exportedPackages(Config.class));
        assertTrue(descriptor.packages().contains("dev.infrakit.core.internal"), "internals exist but stay hidden");
    }
}
