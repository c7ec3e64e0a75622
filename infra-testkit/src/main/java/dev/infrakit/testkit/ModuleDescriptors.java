package dev.infrakit.testkit;

import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads a module's compiled {@code module-info} from where a class was loaded, so tests that run on
 * the class path can still check what the module exports, uses and provides.
 */
public final class ModuleDescriptors {
    private ModuleDescriptors() {
    }

    /**
     * The descriptor of the module (jar or classes directory) that {@code anyClass} was loaded from.
     *
     * @throws IllegalStateException if that location holds no module descriptor
     */
    public static ModuleDescriptor of(Class<?> anyClass) {
        CodeSource source = anyClass.getProtectionDomain().getCodeSource();
        if (source == null) {
            throw new IllegalStateException(anyClass.getName() + " has no code source");
        }
        Path location;
        try {
            location = Path.of(source.getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException("Bad code source " + source.getLocation(), e);
        }
        Set<ModuleReference> found = ModuleFinder.of(location).findAll();
        if (found.size() != 1) {
            throw new IllegalStateException("Expected one module at " + location + ", found " + found.size());
        }
        ModuleDescriptor descriptor = found.iterator().next().descriptor();
        if (descriptor.isAutomatic()) {
            throw new IllegalStateException(location + " has no module-info.class");
        }
        return descriptor;
    }

    /** The packages the module exports (unqualified and qualified), sorted. */
    public static Set<String> exportedPackages(Class<?> anyClass) {
        Set<String> exported = new TreeSet<>();
        of(anyClass).exports().forEach(e -> exported.add(e.source()));
        return exported;
    }
}
