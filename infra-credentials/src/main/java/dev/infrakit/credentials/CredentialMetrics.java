package dev.infrakit.credentials;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Publishes a {@link CachingCredentialStore}'s statistics to Micrometer:
 * <ul>
 *   <li>{@code infrakit.credentials.cache.requests} (counter, tag {@code result} = hit | miss)</li>
 *   <li>{@code infrakit.credentials.cache.stale} (counter: expired values served because the
 *   store failed)</li>
 *   <li>{@code infrakit.credentials.cache.load} (function timer: loads from the store and their
 *   total time) and {@code infrakit.credentials.cache.load.failures} (counter)</li>
 *   <li>{@code infrakit.credentials.cache.refreshes} (counter: background refreshes started)</li>
 *   <li>{@code infrakit.credentials.cache.size} (gauge)</li>
 * </ul>
 * Every meter carries the given tags (e.g. {@code cache=primary} when there are several); the
 * names can be changed with {@link CredentialMetricNames}.
 */
public final class CredentialMetrics implements MeterBinder {
    private final CachingCredentialStore cache;
    private final Tags tags;
    private final CredentialMetricNames names;

    /** Metrics of {@code cache}, without extra tags. */
    public CredentialMetrics(CachingCredentialStore cache) {
        this(cache, Tags.empty());
    }

    /** Metrics of {@code cache}, every meter tagged with {@code tags}. */
    public CredentialMetrics(CachingCredentialStore cache, Iterable<io.micrometer.core.instrument.Tag> tags) {
        this(cache, tags, CredentialMetricNames.ofDefaults());
    }

    /**
     * Metrics of {@code cache} under {@code names}, every meter tagged with {@code tags}.
     *
     * @param cache the cache
     * @param tags tags on every meter
     * @param names the meters' names
     */
    public CredentialMetrics(CachingCredentialStore cache, Iterable<io.micrometer.core.instrument.Tag> tags,
            CredentialMetricNames names) {
        this.cache = Objects.requireNonNull(cache, "cache");
        this.tags = Tags.of(tags);
        this.names = Objects.requireNonNull(names, "names");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionCounter.builder(names.requests(), cache, CachingCredentialStore::hits)
                .tags(tags).tag("result", "hit").description("Credential reads answered from the cache")
                .register(registry);
        FunctionCounter.builder(names.requests(), cache, CachingCredentialStore::misses)
                .tags(tags).tag("result", "miss").description("Credential reads that went to the store")
                .register(registry);
        FunctionCounter.builder(names.stale(), cache, CachingCredentialStore::staleServed)
                .tags(tags).description("Expired values served because the store failed").register(registry);
        FunctionCounter.builder(names.loadFailures(), cache, CachingCredentialStore::loadFailures)
                .tags(tags).description("Loads from the store that failed").register(registry);
        FunctionCounter.builder(names.refreshes(), cache, CachingCredentialStore::refreshes)
                .tags(tags).description("Background refreshes started").register(registry);
        FunctionTimer.builder(names.load(), cache, CachingCredentialStore::loads,
                c -> c.loadNanos(), TimeUnit.NANOSECONDS).tags(tags)
                .description("Loads from the store (synchronous and background)").register(registry);
        Gauge.builder(names.size(), cache, CachingCredentialStore::size).tags(tags)
                .description("Entries cached").register(registry);
    }
}
