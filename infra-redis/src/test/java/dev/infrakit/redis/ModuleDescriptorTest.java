package dev.infrakit.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.infrakit.core.fixtures.ModuleDescriptors;
import java.lang.module.ModuleDescriptor;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ModuleDescriptorTest {
    @Test
    void exportsOnlyTheApiPackageAndProvidesTheRedisStore() {
        assertEquals(Set.of("dev.infrakit.redis"), ModuleDescriptors.exportedPackages(RedisRateLimitStore.class));
        ModuleDescriptor module = ModuleDescriptors.of(RedisRateLimitStore.class);
        assertEquals(List.of("dev.infrakit.redis.internal.RedisRateLimitStoreProvider"),
                module.provides().stream().flatMap(p -> p.providers().stream()).toList());
        // Micrometer is optional at run time: the store loads it only when its meters are bound.
        assertEquals(Set.of(ModuleDescriptor.Requires.Modifier.STATIC), module.requires().stream()
                .filter(r -> r.name().equals("micrometer.core")).findFirst().orElseThrow().modifiers());
    }
}
