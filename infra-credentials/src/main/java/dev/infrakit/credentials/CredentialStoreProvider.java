package dev.infrakit.credentials;

import dev.infrakit.core.Provider;
import dev.infrakit.core.SelectedBy;

/**
 * Creates a {@link CredentialStore} from configuration; selected by
 * {@code infrakit.credentials.store} ({@code memory}, {@code file} and {@code postgres} are built
 * in). See the module README for the keys each reads.
 */
@SelectedBy("infrakit.credentials.store")
public interface CredentialStoreProvider extends Provider<CredentialStore> {
}
