package dev.infrakit.credentials;

import dev.infrakit.testkit.ModuleDescriptors;
import org.junit.jupiter.api.Test;

import java.lang.module.ModuleDescriptor;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ModuleDescriptorTest {
    @Test
    void exportsOnlyTheApiPackageAndProvidesTheThreeStores() {
        assertEquals(Set.of("dev.infrakit.credentials", "dev.infrakit.credentials.auth",
                "dev.infrakit.credentials.rotation"), ModuleDescriptors.exportedPackages(CredentialStore.class));
        ModuleDescriptor.Provides provides = ModuleDescriptors.of(CredentialStore.class).provides().iterator().next();
        assertEquals(CredentialStoreProvider.class.getName(), provides.service());
        assertEquals(3, provides.providers().size());
    }
}
