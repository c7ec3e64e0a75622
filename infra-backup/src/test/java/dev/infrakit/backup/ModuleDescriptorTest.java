package dev.infrakit.backup;

import dev.infrakit.core.fixtures.ModuleDescriptors;
import org.junit.jupiter.api.Test;

import java.lang.module.ModuleDescriptor;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ModuleDescriptorTest {
    @Test
    void exportsOnlyTheApiPackage() {
        assertEquals(Set.of("dev.infrakit.backup"), ModuleDescriptors.exportedPackages(Manifest.class));
    }

    @Test
    void providesTheBuiltInSourcesAndRepository() {
        Map<String, List<String>> provided = new TreeMap<>();
        for (ModuleDescriptor.Provides p : ModuleDescriptors.of(Manifest.class).provides()) {
            provided.put(p.service(), p.providers());
        }
        String sources = "dev.infrakit.backup.internal.BuiltInBackupSources$";
        String repositories = "dev.infrakit.backup.internal.BuiltInBackupRepositories$";
        assertEquals(Map.of(
                BackupSourceProvider.class.getName(), List.of(sources + "Postgres", sources + "PostgresBase",
                        sources + "Directory"),
                BackupRepositoryProvider.class.getName(), List.of(repositories + "Local", repositories + "S3")), provided);
    }
}
