package dev.infrakit.core;

import dev.infrakit.core.fixtures.ModuleDescriptors;
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
        Set<String> unqualified = new java.util.TreeSet<>();
        descriptor.exports().stream().filter(e -> !e.isQualified()).forEach(e -> unqualified.add(e.source()));
        assertEquals(Set.of("dev.infrakit.core", "dev.infrakit.core.health", "dev.infrakit.core.http", "dev.infrakit.core.io",
                "dev.infrakit.core.notify", "dev.infrakit.core.schedule"), unqualified);
        assertTrue(descriptor.packages().contains("dev.infrakit.core.internal"), "internals exist");
        assertTrue(descriptor.exports().stream().noneMatch(e -> e.source().equals("dev.infrakit.core.internal")),
                "internals are exported to nobody, not even Infrakit's own modules");
        Set<String> provided = new java.util.TreeSet<>();
        descriptor.provides().forEach(p -> provided.add(p.service() + " " + p.providers().size()));
        assertEquals(Set.of("dev.infrakit.core.health.HealthCheckProvider 3", "dev.infrakit.core.notify.NotifierProvider 3",
                "dev.infrakit.core.schedule.ClusterLockProvider 2"),
                provided, "module-info provides the same built-ins as META-INF/services");
    }

    @Test
    void readsNoHttpServerApi() {
        assertEquals(java.util.List.of(), ModuleDescriptors.of(Config.class).requires().stream()
                .map(ModuleDescriptor.Requires::name)
                .filter(name -> name.equals("jdk.httpserver") || name.startsWith("jakarta.servlet")).toList());
    }
}
