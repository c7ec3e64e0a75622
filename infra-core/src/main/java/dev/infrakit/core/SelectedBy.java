package dev.infrakit.core;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Names the configuration key that selects a provider of the annotated SPI, so that
 * {@link Providers#load(Class, Config)} needs no key:
 *
 * <pre>{@code
 * @SelectedBy("infrakit.credentials.store")
 * public interface CredentialStoreProvider extends Provider<CredentialStore> { }
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface SelectedBy {
    /** The full dotted key whose value is the provider's name. */
    String value();
}
