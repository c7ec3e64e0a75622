package dev.infrakit.core;

import dev.infrakit.core.http.ClientText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The providers of one SPI found by {@link ServiceLoader}, and the selection of one of them by
 * name from configuration.
 *
 * <pre>{@code
 * // infrakit.credentials.store=postgres selects the provider named "postgres"
 * CredentialStore store = Providers.load(CredentialStoreProvider.class, config, "infrakit.credentials.store");
 * }</pre>
 *
 * <p>Rules, in the manner of SLF4J's binding: when the key is unset and exactly one provider is
 * present, that one is used; none, or several, is an error that lists what was found. An unknown
 * name fails with the list of available names. Two providers with the same name (ignoring case)
 * fail discovery. A provider that cannot be loaded or instantiated, or whose {@code name()} throws
 * or is invalid, is recorded in {@link #failures()} and logged as a warning naming its class; the
 * other providers stay usable, and an error about a missing name also lists the failures. A
 * provider whose {@code create} throws is reported by name with the cause.
 *
 * <p>Instances are immutable and thread-safe. Discovery runs once per {@code discover} call; cache
 * the result if you select often.
 *
 * @param <P> the provider SPI
 */
public final class Providers<P extends Provider<?>> {
    private static final Logger LOG = LoggerFactory.getLogger(Providers.class);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    /** Guards against a ServiceLoader iterator that keeps failing on the same entry. */
    private static final int MAX_FAILURES = 1000;

    private final Class<P> spi;
    private final Map<String, P> byName;
    private final List<Failure> failures;

    private Providers(Class<P> spi, Map<String, P> byName, List<Failure> failures) {
        this.spi = spi;
        this.byName = byName;
        this.failures = failures;
    }

    /**
     * A provider that could not be used, and why.
     *
     * @param provider the provider's class name, or the ServiceLoader's description when unknown
     * @param cause what went wrong
     */
    public record Failure(String provider, Throwable cause) {
        /** One line: the provider, what failed, and the root cause. */
        @Override
        public String toString() {
            return provider + " (" + reason() + ")";
        }

        /** What failed, with the root cause when it differs, e.g. "could not be instantiated: boom". */
        public String reason() {
            Throwable root = cause;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            String top = String.valueOf(cause.getMessage());
            int at = top.indexOf(provider);
            String what = at >= 0 ? top.substring(at + provider.length()).strip() : top;
            return root == cause ? what : what + ": " + root;
        }
    }

    /**
     * Discovers the providers of {@code spi} with the thread's context class loader, falling back
     * to the SPI's own class loader.
     *
     * @throws ProviderException if two providers share a name
     */
    public static <P extends Provider<?>> Providers<P> discover(Class<P> spi) {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        return discover(spi, context != null ? context : spi.getClassLoader());
    }

    /**
     * Discovers the providers of {@code spi} visible to {@code loader}.
     *
     * @throws ProviderException if two providers share a name
     */
    public static <P extends Provider<?>> Providers<P> discover(Class<P> spi, ClassLoader loader) {
        Objects.requireNonNull(spi, "spi");
        Module self = Providers.class.getModule();
        if (self.isNamed()) {
            // SPIs live in other modules; declare the use at run time instead of in module-info.
            self.addUses(spi);
        }
        Map<String, P> byName = new LinkedHashMap<>();
        List<Failure> failures = new ArrayList<>();
        Iterator<P> iterator = ServiceLoader.load(spi, loader).iterator();
        while (failures.size() < MAX_FAILURES) {
            P provider;
            try {
                if (!iterator.hasNext()) {
                    break;
                }
                provider = iterator.next();
            } catch (ServiceConfigurationError | LinkageError e) {
                // The iterator moves past a provider it could not load or instantiate.
                failures.add(new Failure(describe(e), e));
                continue;
            }
            String name;
            try {
                name = provider.name();
            } catch (RuntimeException e) {
                failures.add(new Failure(provider.getClass().getName(), e));
                continue;
            }
            if (name == null || !NAME.matcher(name).matches()) {
                failures.add(new Failure(provider.getClass().getName(), new ProviderException(
                        "invalid provider name " + (name == null ? "null" : "'" + name + "'")
                                + ": use letters, digits, '.', '-' and '_'")));
                continue;
            }
            P previous = byName.putIfAbsent(name.toLowerCase(Locale.ROOT), provider);
            if (previous != null) {
                throw new ProviderException("Two providers of " + spi.getName() + " are named '" + name + "': "
                        + previous.getClass().getName() + " and " + provider.getClass().getName()
                        + "; remove one from the class path");
            }
        }
        for (Failure failure : failures) {
            LOG.warn("Provider {} of {} is ignored: {}", failure.provider(), spi.getName(),
                    ClientText.forLog(failure.reason(), 1000));
        }
        return new Providers<>(spi, Collections.unmodifiableMap(byName), List.copyOf(failures));
    }

    private static String describe(Throwable e) {
        String message = String.valueOf(e.getMessage());
        // ServiceLoader's messages read "<spi>: Provider <class> could not be instantiated".
        int at = message.indexOf("Provider ");
        if (at >= 0) {
            String rest = message.substring(at + "Provider ".length());
            int end = rest.indexOf(' ');
            return end > 0 ? rest.substring(0, end) : rest;
        }
        return message;
    }

    /**
     * Discovers the providers of {@code spi}, selects the one named by {@code selectorKey} and
     * creates an instance from {@code config}.
     *
     * @param spi the provider SPI, e.g. {@code CredentialStoreProvider.class}
     * @param config configuration holding the selector key and the provider's own settings
     * @param selectorKey full key whose value names the provider, e.g. {@code infrakit.credentials.store}
     * @throws ProviderException if no provider can be selected or its {@code create} fails
     * @throws ConfigException if the provider reports a configuration problem
     */
    public static <T, P extends Provider<T>> T load(Class<P> spi, Config config, String selectorKey) {
        Providers<P> providers = discover(spi);
        return providers.create(config, selectorKey);
    }

    /**
     * As {@link #load(Class, Config, String)}, with the selector key taken from the SPI's
     * {@link SelectedBy} annotation.
     *
     * @throws IllegalArgumentException if {@code spi} is not annotated with {@link SelectedBy}
     */
    public static <T, P extends Provider<T>> T load(Class<P> spi, Config config) {
        SelectedBy selectedBy = spi.getAnnotation(SelectedBy.class);
        if (selectedBy == null) {
            throw new IllegalArgumentException(spi.getName() + " has no @SelectedBy annotation; pass the "
                    + "selector key to Providers.load(spi, config, key)");
        }
        return load(spi, config, selectedBy.value());
    }

    /** The providers found, in discovery order. */
    public List<P> all() {
        return List.copyOf(byName.values());
    }

    /** The names of the providers found, lower-cased, in discovery order. */
    public List<String> names() {
        return List.copyOf(byName.keySet());
    }

    /** The providers that could not be loaded, instantiated or named. */
    public List<Failure> failures() {
        return failures;
    }

    /** The provider named {@code name} (ignoring case), if present. */
    public Optional<P> find(String name) {
        return Optional.ofNullable(byName.get(name.toLowerCase(Locale.ROOT)));
    }

    /**
     * The provider named {@code name}, or, when {@code name} is {@code null}, the only provider.
     *
     * @throws ProviderException if the name is unknown, or no name is given and there is not
     *     exactly one provider; the message lists the available names and any failures
     */
    public P select(String name) {
        if (name == null) {
            if (byName.size() == 1) {
                return byName.values().iterator().next();
            }
            throw new ProviderException((byName.isEmpty()
                    ? "No provider of " + spi.getName() + " was found on the class path"
                    : "Several providers of " + spi.getName() + " are present (" + String.join(", ", names())
                            + ") and none was chosen by name")
                    + failureNote());
        }
        return find(name).orElseThrow(() -> new ProviderException("Unknown provider '" + name + "' for "
                + spi.getName() + "; available: " + (byName.isEmpty() ? "none" : String.join(", ", names()))
                + failureNote()));
    }

    /**
     * Selects the provider named by {@code selectorKey} in {@code config} (or the only one when
     * the key is unset) and creates an instance.
     *
     * @throws ProviderException as {@link #select(String)}, or when {@code create} throws or returns null
     * @throws ConfigException when the selector's value is blank, or {@code create} reports a config problem
     */
    public <T> T create(Config config, String selectorKey) {
        Optional<String> name = config.find(selectorKey);
        if (name.isPresent() && name.get().isEmpty()) {
            throw config.invalid(selectorKey, "expected a provider name, one of " + String.join(", ", names()));
        }
        P provider;
        try {
            provider = select(name.orElse(null));
        } catch (ProviderException e) {
            throw new ProviderException(e.getMessage() + (name.isPresent()
                    ? " (selected by " + config.fullKey(selectorKey) + " from " + config.origin(selectorKey).orElse("?") + ")"
                    : "; set " + config.fullKey(selectorKey) + " to one of them"));
        }
        Object created;
        try {
            created = provider.create(config);
        } catch (ConfigException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ProviderException("Provider '" + provider.name() + "' (" + provider.getClass().getName()
                    + ") failed to create a " + spiTarget() + ": " + e.getMessage(), e);
        } catch (NoClassDefFoundError e) {
            // An optional dependency the provider needs is absent (HikariCP, a JDBC driver, Caffeine).
            throw new ProviderException("Provider '" + provider.name() + "' (" + provider.getClass().getName()
                    + ") needs class " + missingClass(e) + ", which is not on the class path" + libraryHint(e)
                    + (name.isPresent() ? " (selected by " + config.fullKey(selectorKey) + ")" : ""), e);
        }
        if (created == null) {
            throw new ProviderException("Provider '" + provider.name() + "' (" + provider.getClass().getName()
                    + ") returned null from create()");
        }
        @SuppressWarnings("unchecked")
        T result = (T) created;
        return result;
    }

    /** The missing class's binary name, from the error's message ({@code com/zaxxer/hikari/HikariDataSource}). */
    static String missingClass(NoClassDefFoundError e) {
        String message = e.getMessage() == null ? "?" : e.getMessage();
        return message.replace('/', '.');
    }

    /** The library an optional dependency's missing class comes from, when it is one Infrakit uses. */
    static String libraryHint(NoClassDefFoundError e) {
        String missing = missingClass(e);
        if (missing.startsWith("com.zaxxer.hikari.")) {
            return "; add com.zaxxer:HikariCP (and the database's JDBC driver, e.g. org.postgresql:postgresql)";
        }
        if (missing.startsWith("org.postgresql.")) {
            return "; add org.postgresql:postgresql";
        }
        if (missing.startsWith("com.github.benmanes.caffeine.")) {
            return "; add com.github.ben-manes.caffeine:caffeine";
        }
        if (missing.startsWith("io.micrometer.")) {
            return "; add io.micrometer:micrometer-core";
        }
        return "; add the library that provides it";
    }

    private String spiTarget() {
        String simple = spi.getSimpleName();
        return simple.endsWith("Provider") ? simple.substring(0, simple.length() - "Provider".length()) : simple;
    }

    private String failureNote() {
        return failures.isEmpty() ? "" : "; providers that failed to load: "
                + failures.stream().map(Failure::toString).collect(Collectors.joining("; "));
    }

    @Override
    public String toString() {
        return "Providers[" + spi.getSimpleName() + ": " + String.join(", ", names()) + "]";
    }
}
