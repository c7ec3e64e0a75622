package dev.infrakit.auth;

/** What the API key stores share. */
final class ApiKeyStores {
    private ApiKeyStores() {
    }

    /** {@code maxLive}, if it is at least 1. */
    static int requireMaxLive(int maxLive) {
        if (maxLive < 1) {
            throw new IllegalArgumentException("The most live API keys per subject must be at least 1, got " + maxLive);
        }
        return maxLive;
    }
}
