package dev.infrakit.backup;

import dev.infrakit.testkit.ModuleDescriptors;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ModuleDescriptorTest {
    @Test
    void exportsOnlyTheApiPackage() {
        assertEquals(Set.of("dev.infrakit.backup"), ModuleDescriptors.exportedPackages(Manifest.class));
    }
}
