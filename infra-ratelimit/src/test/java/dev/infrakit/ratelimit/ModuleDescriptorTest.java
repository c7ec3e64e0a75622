package dev.infrakit.ratelimit;

import dev.infrakit.core.fixtures.ModuleDescriptors;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ModuleDescriptorTest {
    @Test
    void exportsOnlyTheApiPackageAndProvidesTheMemoryStore() {
        assertEquals(Set.of("dev.infrakit.ratelimit", "dev.infrakit.ratelimit.internal"),
                ModuleDescriptors.exportedPackages(RateLimiter.class));
        // The internal package only to Infrakit's Redis store module, never to everyone.
        java.lang.module.ModuleDescriptor.Exports internal = ModuleDescriptors.of(RateLimiter.class).exports().stream()
                .filter(e -> e.source().equals("dev.infrakit.ratelimit.internal")).findFirst().orElseThrow();
        assertEquals(Set.of("dev.infrakit.redis"), internal.targets());
        assertEquals(1, ModuleDescriptors.of(RateLimiter.class).provides().size());
    }

    @Test
    void readsNoHttpServerApi() {
        assertEquals(java.util.List.of(), ModuleDescriptors.of(RateLimiter.class).requires().stream()
                .map(java.lang.module.ModuleDescriptor.Requires::name)
                .filter(name -> name.equals("jdk.httpserver") || name.startsWith("jakarta.servlet")).toList());
    }
}
