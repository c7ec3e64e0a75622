package dev.infrakit.test;

import java.lang.reflect.InvocationTargetException;

/**
 * The built-in providers, created by class name: they live in the modules' {@code internal}
 * packages, which the modules do not export, so a test cannot name them in code; ServiceLoader
 * creates them the same way. {@link EveryProviderIsCheckedTest} checks that this list of names is
 * every provider registered.
 */
public final class BuiltInProviders {
    private BuiltInProviders() {
    }

    /** A new instance of the provider class {@code className}, checked to implement {@code spi}. */
    public static <P> P create(Class<P> spi, String className) {
        try {
            return spi.cast(Class.forName(className).getConstructor().newInstance());
        } catch (ClassNotFoundException | NoSuchMethodException | InstantiationException | IllegalAccessException
                 | InvocationTargetException e) {
            throw new AssertionError("Cannot create provider " + className + ": " + e, e);
        }
    }
}
