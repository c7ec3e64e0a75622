package dev.infrakit.credentials;

import java.util.Set;
import java.util.HashSet;
import dev.infrakit.core.Arguments;
import dev.infrakit.credentials.internal.MemoryEngine;
import dev.infrakit.credentials.internal.RecordStore;

import java.time.Clock;
import java.util.Objects;

/**
 * A credential store in memory: for tests and for values that must never touch a disk. Values are
 * kept in their encoded form (not encrypted) and every reader gets its own copy. Thread-safe.
 */
public final class InMemoryCredentialStore extends ForwardingCredentialStore implements CredentialChanges {
    private final MemoryEngine engine;

    private InMemoryCredentialStore(Builder b) {
        this(new MemoryEngine(b.clock, b.maxVersions));
    }

    private InMemoryCredentialStore(MemoryEngine engine) {
        super(engine);
        this.engine = engine;
    }

    /**
     * Tells {@code listener} of every write made through this store, after it succeeded (so a
     * {@link CachingCredentialStore} over it never serves a value this store has replaced).
     */
    @Override
    public AutoCloseable subscribe(CredentialChangeListener listener) {
        return engine.subscribe(listener);
    }

    /** A store with the defaults (10 versions kept, system clock). */
    public static InMemoryCredentialStore create() {
        return builder().build();
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String toString() {
        return "InMemoryCredentialStore";
    }

    /** Builds an {@link InMemoryCredentialStore}. */
    public static final class Builder {
        private final Set<String> given = new HashSet<>();

        private Clock clock = Clock.systemUTC();
        private int maxVersions = RecordStore.DEFAULT_MAX_VERSIONS;

        private Builder() {
        }

        /** Versions kept per credential unless set per credential (default 10). */
        public Builder maxVersions(int maxVersions) {
            Arguments.markSet(given, "maxVersions");
            this.maxVersions = RecordStore.requireMaxVersions(maxVersions);
            return this;
        }

        /** The clock stamping versions (tests). */
        public Builder clock(Clock clock) {
            Arguments.markSet(given, "clock");
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The store. */
        public InMemoryCredentialStore build() {
            return new InMemoryCredentialStore(this);
        }
    }
}
