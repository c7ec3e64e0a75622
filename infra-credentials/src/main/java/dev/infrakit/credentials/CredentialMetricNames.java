package dev.infrakit.credentials;

import dev.infrakit.core.Arguments;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;

/**
 * The metric names {@link CredentialMetrics} registers, changeable for users with their own naming
 * scheme: {@code CredentialMetricNames.custom().requests("app.secrets.requests").build()}.
 *
 * @param requests counter of reads, tag {@code result} = {@code hit} | {@code miss}
 * @param stale counter of expired values served because the store failed
 * @param load function timer of loads from the store (synchronous and background)
 * @param loadFailures counter of loads that failed
 * @param refreshes counter of background refreshes started
 * @param size gauge of the entries cached
 */
public record CredentialMetricNames(String requests, String stale, String load, String loadFailures,
        String refreshes, String size) {

    /** Validates the names. */
    public CredentialMetricNames {
        Objects.requireNonNull(requests, "requests");
        Objects.requireNonNull(stale, "stale");
        Objects.requireNonNull(load, "load");
        Objects.requireNonNull(loadFailures, "loadFailures");
        Objects.requireNonNull(refreshes, "refreshes");
        Objects.requireNonNull(size, "size");
    }

    /**
     * {@code infrakit.credentials.cache.requests}, {@code .stale}, {@code .load},
     * {@code .load.failures}, {@code .refreshes} and {@code .size}.
     *
     * @return the default names
     */
    public static CredentialMetricNames ofDefaults() {
        return custom().build();
    }

    /**
     * A builder starting from the defaults.
     *
     * @return a builder
     */
    public static Builder custom() {
        return new Builder();
    }

    /** Builds {@link CredentialMetricNames}. */
    public static final class Builder {
        private final Set<String> given = new HashSet<>();
        private String requests = "infrakit.credentials.cache.requests";
        private String stale = "infrakit.credentials.cache.stale";
        private String load = "infrakit.credentials.cache.load";
        private String loadFailures = "infrakit.credentials.cache.load.failures";
        private String refreshes = "infrakit.credentials.cache.refreshes";
        private String size = "infrakit.credentials.cache.size";

        private Builder() {
        }

        /**
         * Sets the requests counter's name.
         *
         * @param name the name
         * @return this builder
         */
        public Builder requests(String name) {
            Arguments.markSet(given, "requests");
            this.requests = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Sets the stale counter's name.
         *
         * @param name the name
         * @return this builder
         */
        public Builder stale(String name) {
            Arguments.markSet(given, "stale");
            this.stale = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Sets the load timer's name.
         *
         * @param name the name
         * @return this builder
         */
        public Builder load(String name) {
            Arguments.markSet(given, "load");
            this.load = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Sets the load failures counter's name.
         *
         * @param name the name
         * @return this builder
         */
        public Builder loadFailures(String name) {
            Arguments.markSet(given, "loadFailures");
            this.loadFailures = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Sets the refreshes counter's name.
         *
         * @param name the name
         * @return this builder
         */
        public Builder refreshes(String name) {
            Arguments.markSet(given, "refreshes");
            this.refreshes = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Sets the size gauge's name.
         *
         * @param name the name
         * @return this builder
         */
        public Builder size(String name) {
            Arguments.markSet(given, "size");
            this.size = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * The names.
         *
         * @return the names
         */
        public CredentialMetricNames build() {
            return new CredentialMetricNames(requests, stale, load, loadFailures, refreshes, size);
        }
    }
}
