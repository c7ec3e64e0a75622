package dev.infrakit.benchmarks;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.infrakit.audit.Durability;
import dev.infrakit.audit.JsonLinesAuditSink;
import dev.infrakit.credentials.AuditedCredentialStore;
import dev.infrakit.credentials.CachingCredentialStore;
import dev.infrakit.credentials.CredentialStore;
import dev.infrakit.credentials.InMemoryCredentialStore;
import dev.infrakit.credentials.Secret;
import dev.infrakit.credentials.SecretValue;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Reading one credential. Cached: {@link CachingCredentialStore} (read auditing off) against a bare
 * Caffeine {@code getIfPresent} of the same {@link Secret}, which is what a hand-rolled cache in
 * front of a secret store costs; and the cached read audited into an ASYNC JSON-lines sink, for the
 * record.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CredentialReadBenchmark {
    static final String NAME = "apps/billing/db";

    /** The Infrakit cache over an in-memory store holding one credential. */
    @State(Scope.Benchmark)
    public static class Cached {
        CachingCredentialStore cache;

        @Setup
        public void setUp() {
            InMemoryCredentialStore store = InMemoryCredentialStore.create();
            store.put(NAME, SecretValue.login("billing", "correct horse battery staple", "postgres://db/billing"));
            cache = CachingCredentialStore.builder(store).build();
            cache.get(NAME);
        }

        @TearDown
        public void tearDown() {
            cache.close();
        }
    }

    /** A bare Caffeine cache holding the same secret. */
    @State(Scope.Benchmark)
    public static class Raw {
        Cache<String, Secret> cache;

        @Setup
        public void setUp() {
            InMemoryCredentialStore store = InMemoryCredentialStore.create();
            store.put(NAME, SecretValue.login("billing", "correct horse battery staple", "postgres://db/billing"));
            cache = Caffeine.newBuilder().maximumSize(10_000).build();
            cache.put(NAME, store.get(NAME));
        }
    }

    /** The cache with every read audited into an ASYNC JSON-lines sink. */
    @State(Scope.Benchmark)
    public static class CachedAudited {
        Path dir;
        JsonLinesAuditSink sink;
        CachingCredentialStore cache;
        CredentialStore audited;

        @Setup
        public void setUp() throws IOException {
            dir = Files.createTempDirectory(Path.of("."), "credential-audit");
            sink = JsonLinesAuditSink.builder(dir, AuditSinkBenchmark.KEY).durability(Durability.ASYNC)
                    .queue(Durability.QueueFull.BLOCK, 8192).build();
            InMemoryCredentialStore store = InMemoryCredentialStore.create();
            store.put(NAME, SecretValue.login("billing", "correct horse battery staple", "postgres://db/billing"));
            cache = CachingCredentialStore.builder(store).build();
            audited = AuditedCredentialStore.builder(cache, sink).build();
        }

        @TearDown
        public void tearDown() throws IOException {
            cache.close();
            sink.close();
            try (Stream<Path> paths = Files.walk(dir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Benchmark
    public Secret infrakitCached(Cached state) {
        return state.cache.get(NAME);
    }

    @Benchmark
    public Secret caffeineRaw(Raw state) {
        return state.cache.getIfPresent(NAME);
    }

    @Benchmark
    public Secret infrakitCachedAudited(CachedAudited state) {
        return state.audited.get(NAME);
    }
}
