package dev.infrakit.core;

/**
 * Discovering, selecting or creating a {@link Provider} failed: none or several match, a name is
 * unknown or used twice, or the provider threw. The message names the SPI, the providers involved
 * and the names available.
 */
public class ProviderException extends InfrakitException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed, naming the SPI and providers
     */
    public ProviderException(String message) {
        super(message);
    }

    /**
     * @param message what failed, naming the SPI and providers
     * @param cause what the provider threw
     */
    public ProviderException(String message, Throwable cause) {
        super(message, cause);
    }
}
