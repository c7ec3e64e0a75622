package dev.infrakit.testkit;

import org.junit.jupiter.api.Test;

import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ModuleDescriptorTest {

    @Test
    void exportsOnlyTheApiPackageAndDependsOnNoInfrakitModule() throws Exception {
        Path classes = Path.of(EphemeralPostgres.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        ModuleDescriptor descriptor = ModuleFinder.of(classes).findAll().iterator().next().descriptor();
        assertEquals("dev.infrakit.testkit", descriptor.name());
        assertEquals(Set.of("dev.infrakit.testkit"), descriptor.exports().stream().map(ModuleDescriptor.Exports::source)
                .collect(Collectors.toSet()));
        assertEquals(Set.of(), descriptor.requires().stream().map(ModuleDescriptor.Requires::name)
                .filter(n -> n.startsWith("dev.infrakit")).collect(Collectors.toSet()), "server fixtures only");
    }
}
