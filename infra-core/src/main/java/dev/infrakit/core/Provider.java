package dev.infrakit.core;

/**
 * A named factory that {@link java.util.ServiceLoader} discovers and {@link Providers} selects by
 * name from configuration. Each Infrakit SPI has a sub-interface, such as
 * {@code CredentialStoreProvider extends Provider<CredentialStore>}; implementations are listed in
 * {@code META-INF/services/<sub-interface>} and in {@code module-info} ({@code provides}), and need a
 * public no-argument constructor.
 *
 * <p>Implementations must be thread-safe and cheap to construct: discovery instantiates every
 * provider on the class path, even those not selected; the real work belongs in {@link #create}.
 *
 * @param <T> what the provider creates
 */
public interface Provider<T> {

    /**
     * The name used to select this provider in configuration, e.g. {@code postgres}: letters,
     * digits, {@code .}, {@code -} and {@code _}, starting with a letter or digit. Compared
     * ignoring case; unique among the providers of one SPI.
     */
    String name();

    /** One line that says what this provider creates, shown when listing providers. */
    String description();

    /**
     * Creates a configured instance.
     *
     * @param config the configuration given to {@link Providers}; the provider reads its own section
     * @return a new instance, never {@code null}
     * @throws ConfigException if a setting it needs is missing or invalid
     */
    T create(Config config);
}
