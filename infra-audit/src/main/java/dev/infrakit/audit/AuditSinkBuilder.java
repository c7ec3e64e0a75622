package dev.infrakit.audit;

import dev.infrakit.core.Arguments;

import java.security.interfaces.ECPrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * The settings the built-in audit sinks share ({@link JsonLinesAuditSink.Builder},
 * {@link PostgresAuditSink.Builder}): redaction, durability, the ASYNC queue, signed checkpoints
 * and the clock stamping them. Each setting may be given once (a second call throws
 * {@link IllegalStateException} naming the setting, never its value) and is checked at once;
 * settings not given take their defaults in {@link #build()}. The chain key is copied and never
 * appears in a message or {@code toString()}. Not thread-safe.
 *
 * @param <B> the concrete builder
 */
public abstract class AuditSinkBuilder<B extends AuditSinkBuilder<B>> {
    /** Default ASYNC queue capacity. */
    static final int DEFAULT_QUEUE_CAPACITY = 8192;

    final byte[] key;
    private Redactor redactor;
    private Durability durability;
    private Durability.QueueFull queueFull;
    private Integer queueCapacity;
    private ECPrivateKey checkpointKey;
    private Duration checkpointInterval;
    private Clock clock;

    AuditSinkBuilder(byte[] hmacKey) {
        this.key = Chain.requireKey(hmacKey);
    }

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }

    /**
     * The redaction applied before writing (default {@link Redactor#defaults()}).
     *
     * @throws IllegalStateException if it was already set
     */
    public B redactor(Redactor redactor) {
        Arguments.setOnce(this.redactor, "redactor");
        this.redactor = Objects.requireNonNull(redactor, "redactor");
        return self();
    }

    /**
     * DURABLE (default: {@code record} returns once its event is durable) or ASYNC (once queued).
     *
     * @throws IllegalStateException if it was already set
     */
    public B durability(Durability durability) {
        Arguments.setOnce(this.durability, "durability");
        this.durability = Objects.requireNonNull(durability, "durability");
        return self();
    }

    /**
     * ASYNC only: what a full queue does (default BLOCK), and its capacity (default 8192).
     *
     * @throws IllegalStateException if it was already set
     * @throws IllegalArgumentException if {@code capacity} is less than 1
     */
    public B queue(Durability.QueueFull whenFull, int capacity) {
        Arguments.setOnce(this.queueFull, "queue");
        Objects.requireNonNull(whenFull, "whenFull");
        this.queueCapacity = Chain.requireCapacity(capacity);
        this.queueFull = whenFull;
        return self();
    }

    /**
     * Signs a checkpoint (ES256 over the chain's last sequence number and MAC) every
     * {@code interval} while events arrive, and on close; with the public key,
     * {@link AuditVerifier} then detects records cut off the end of the trail. Where each sink
     * keeps its checkpoints is said on its builder.
     *
     * @param signingKey a P-256 private key
     * @throws IllegalStateException if checkpoints were already set
     * @throws IllegalArgumentException if {@code interval} is not positive
     */
    public B checkpoints(ECPrivateKey signingKey, Duration interval) {
        Arguments.setOnce(this.checkpointKey, "checkpoints");
        Objects.requireNonNull(signingKey, "signingKey");
        this.checkpointInterval = Chain.requirePositive(interval, "checkpoint interval");
        this.checkpointKey = signingKey;
        return self();
    }

    /**
     * The clock stamping checkpoints (default the system's UTC clock; tests).
     *
     * @throws IllegalStateException if it was already set
     */
    public B clock(Clock clock) {
        Arguments.setOnce(this.clock, "clock");
        this.clock = Objects.requireNonNull(clock, "clock");
        return self();
    }

    /**
     * The sink, opened and ready to record.
     *
     * @throws AuditException if its storage cannot be opened
     */
    public abstract AuditLog build();

    Redactor redactor() {
        return redactor != null ? redactor : Redactor.defaults();
    }

    Durability durability() {
        return durability != null ? durability : Durability.DURABLE;
    }

    Durability.QueueFull queueFull() {
        return queueFull != null ? queueFull : Durability.QueueFull.BLOCK;
    }

    int queueCapacity() {
        return queueCapacity != null ? queueCapacity : DEFAULT_QUEUE_CAPACITY;
    }

    /** The checkpoint signing key, or {@code null} for none. */
    ECPrivateKey checkpointKey() {
        return checkpointKey;
    }

    Duration checkpointInterval() {
        return checkpointInterval != null ? checkpointInterval : Duration.ofMinutes(1);
    }

    Clock clock() {
        return clock != null ? clock : Clock.systemUTC();
    }
}
