package dev.infrakit.auth;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/** The meters of a {@link TokenVerifier}'s verified-token cache, read from its counters when scraped. */
final class VerifiedTokensMetrics implements MeterBinder {
    private final TokenVerifier verifier;

    private VerifiedTokensMetrics(TokenVerifier verifier) {
        this.verifier = verifier;
    }

    static MeterBinder of(TokenVerifier verifier) {
        return new VerifiedTokensMetrics(verifier);
    }

    private static double stat(TokenVerifier v, java.util.function.ToLongFunction<TokenVerifier.CacheStats> what) {
        return v.cacheStats().map(what::applyAsLong).orElse(0L);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        if (verifier.cacheStats().isEmpty()) {
            return;
        }
        Gauge.builder("infrakit.auth.token.cache.size", verifier, v -> stat(v, TokenVerifier.CacheStats::size))
                .description("Verified tokens kept").register(registry);
        FunctionCounter.builder("infrakit.auth.token.cache.hits", verifier, v -> stat(v, TokenVerifier.CacheStats::hits))
                .description("Tokens found verified (their signature not checked again)").register(registry);
        FunctionCounter.builder("infrakit.auth.token.cache.misses", verifier, v -> stat(v,
                TokenVerifier.CacheStats::misses)).description("Tokens verified in full").register(registry);
        FunctionCounter.builder("infrakit.auth.token.cache.evictions", verifier, v -> stat(v,
                TokenVerifier.CacheStats::evictions)).description("Entries dropped to make room").register(registry);
    }
}
