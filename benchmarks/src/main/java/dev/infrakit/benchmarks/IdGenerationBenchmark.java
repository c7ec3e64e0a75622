package dev.infrakit.benchmarks;

import dev.infrakit.core.TimeOrderedIds;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.security.SecureRandom;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The random part of one id, at one and at two threads: why audit event ids and token ids moved off
 * the shared generator (issue #25, item 2). Every audited request makes at least one id.
 * <ul>
 *   <li>{@link #timeOrderedIds}: {@link TimeOrderedIds#next()}, a version 7 UUID whose 74 random
 *   bits come from a DRBG {@link SecureRandom} of the calling thread: no lock shared between
 *   threads.</li>
 *   <li>{@link #uuidRandom}: {@link UUID#randomUUID()}, what the ids were before: every thread draws
 *   from the one {@code SecureRandom} the JDK keeps for it.</li>
 *   <li>{@link #secureRandomPerThread}: a {@code new SecureRandom()} held by each thread, asked for
 *   10 bytes (what an id needs). It looks per-thread, but on Linux the default algorithm is
 *   {@code NativePRNG}, whose instances all read {@code /dev/urandom} and mix the bytes with one
 *   shared generator under one lock: giving each thread its own instance does not remove the
 *   lock, choosing DRBG does.</li>
 * </ul>
 * Throughput counts all threads' ids together (ops/µs; at two threads a path without a shared lock
 * should come close to twice its one-thread figure), average time is the cost of one id to its
 * thread (µs/op). Set-up prints the default {@code SecureRandom}'s algorithm, so a run on another
 * platform says what it measured. Run from the shaded jar (benchmarks/README.md):
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar IdGenerationBenchmark -f 2 -wi 5 -i 8 -w 1s -r 1s -t 1
 * java -jar benchmarks/target/benchmarks.jar IdGenerationBenchmark -f 2 -wi 5 -i 8 -w 1s -r 1s -t 2
 * </pre>
 */
@BenchmarkMode({Mode.Throughput, Mode.AverageTime})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class IdGenerationBenchmark {

    /** One benchmark thread's {@code new SecureRandom()}. */
    @State(Scope.Thread)
    public static class PerThread {
        SecureRandom random;

        @Setup
        public void setUp() {
            random = new SecureRandom();
            random.nextBytes(new byte[10]); // seeded before measuring
        }
    }

    /** Says once per trial which algorithm {@code new SecureRandom()} is here, and checks the ids are v7. */
    @State(Scope.Benchmark)
    public static class Platform {
        @Setup
        public void setUp() {
            if (TimeOrderedIds.next().version() != 7) {
                throw new IllegalStateException("TimeOrderedIds.next() did not make a version 7 UUID");
            }
            System.out.println("new SecureRandom() is " + new SecureRandom().getAlgorithm() + " on this platform");
        }
    }

    @Benchmark
    public UUID timeOrderedIds(Platform platform) {
        return TimeOrderedIds.next();
    }

    @Benchmark
    public UUID uuidRandom(Platform platform) {
        return UUID.randomUUID();
    }

    @Benchmark
    public byte[] secureRandomPerThread(Platform platform, PerThread thread) {
        byte[] bytes = new byte[10];
        thread.random.nextBytes(bytes);
        return bytes;
    }
}
