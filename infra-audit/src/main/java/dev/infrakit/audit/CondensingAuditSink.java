package dev.infrakit.audit;

import dev.infrakit.core.Arguments;
import dev.infrakit.core.health.HealthCheck;
import dev.infrakit.core.http.ClientText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Bounds what one client address can write into the audit trail: of the chosen event types (the
 * refusals a flood produces, such as {@code auth.invalid-token} or {@code api-key.rejected}), the
 * first {@code perAddress} events of each type from one address in a window are recorded as they
 * are; the rest are counted, and one {@code audit.condensed} event per address and type records
 * the count when the window ends (also on {@link #flush()} and {@link #close()}).
 *
 * <pre>{@code
 * AuditSink audit = CondensingAuditSink.builder(files)
 *         .types("auth.invalid-token", "auth.ambiguous-credentials", "api-key.rejected")
 *         .perAddress(5).window(Duration.ofMinutes(15)).build();
 * }</pre>
 *
 * <p>Without it, 15,702 refused requests from one address wrote 7.1 MB of {@code security.log} in
 * 10 s, enough to rotate all security history out in minutes. With it, one address adds at most
 * {@code perAddress} records per type plus one summary per window. Events of other types, and events
 * without a client address, pass through untouched.
 *
 * <p>Nothing is dropped: every condensed event is counted in its summary (type, address, count,
 * first and last time, window). The counts live in memory until written, so a crash loses at most
 * the counts of the current window, never an event that passed through; {@code flush()} writes the
 * counts so far. Memory is bounded: at most {@code maxAddresses} addresses are tracked per window;
 * beyond that, the events of further addresses are counted together under the address
 * {@code "(other)"}. A summary the sink refuses is kept and retried at
 * the next flush. Thread-safe; the window's end is checked by one daemon thread.
 */
public final class CondensingAuditSink implements AuditSink {
    /** The type of the events that carry the counts. */
    public static final String CONDENSED_TYPE = "audit.condensed";
    /** The address under which addresses beyond {@code maxAddresses} are counted together. */
    public static final String OTHER_ADDRESSES = "(other)";
    private static final Logger LOG = LoggerFactory.getLogger(CondensingAuditSink.class);

    private final AuditSink delegate;
    private final Set<String> types;
    private final int perAddress;
    private final long windowMillis;
    private final int maxAddresses;
    private final Clock clock;
    private final Map<Key, Entry> entries = new HashMap<>();
    private final ScheduledExecutorService timer;
    private final LongAdder condensed = new LongAdder();
    private volatile boolean closed;

    private record Key(String type, String address) {
    }

    /** One type from one address in one window. Guarded by {@code entries}. */
    private static final class Entry {
        final long windowStart;
        int passed;
        long suppressed;
        Instant first;
        Instant last;

        Entry(long windowStart) {
            this.windowStart = windowStart;
        }
    }

    private CondensingAuditSink(Builder b) {
        this.delegate = b.delegate;
        this.types = Set.copyOf(b.types);
        this.perAddress = b.perAddress != null ? b.perAddress : 5;
        this.windowMillis = (b.window != null ? b.window : Duration.ofMinutes(15)).toMillis();
        this.maxAddresses = b.maxAddresses != null ? b.maxAddresses : 10_000;
        this.clock = b.clock != null ? b.clock : Clock.systemUTC();
        if (b.clock == null) {
            long period = Math.max(1000, Math.min(60_000, windowMillis / 15));
            this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "infrakit-audit-condense");
                t.setDaemon(true);
                return t;
            });
            timer.scheduleAtFixedRate(this::flushEndedQuietly, period, period, TimeUnit.MILLISECONDS);
        } else {
            this.timer = null;
        }
    }

    /** A builder condensing the events given to {@code delegate}. */
    public static Builder builder(AuditSink delegate) {
        return new Builder(delegate);
    }

    @Override
    public void record(AuditEvent event) {
        Objects.requireNonNull(event, "event");
        if (closed) {
            throw new AuditException("This audit sink is closed");
        }
        String address = event.actor().ip();
        if (address == null || !types.contains(event.type())) {
            delegate.record(event);
            return;
        }
        Instant now = clock.instant();
        long windowStart = Math.floorDiv(now.toEpochMilli(), windowMillis) * windowMillis;
        boolean pass;
        synchronized (entries) {
            Key key = new Key(event.type(), address);
            Entry entry = entries.get(key);
            if (entry == null || entry.windowStart != windowStart) {
                if (entry == null && entries.size() >= maxAddresses) {
                    key = new Key(event.type(), OTHER_ADDRESSES);
                    entry = entries.get(key);
                    if (entry == null || entry.windowStart != windowStart) {
                        entry = replace(key, entry, windowStart);
                        entry.passed = perAddress; // the overflow bucket only counts
                    }
                } else {
                    entry = replace(key, entry, windowStart);
                }
            }
            pass = entry.passed < perAddress;
            if (pass) {
                entry.passed++;
            } else {
                entry.suppressed++;
                entry.first = entry.first == null ? now : entry.first;
                entry.last = now;
            }
        }
        if (pass) {
            delegate.record(event);
        } else {
            condensed.increment();
        }
    }

    /** A fresh entry for {@code key}, keeping the counts of an ended window's entry to be written. */
    private Entry replace(Key key, Entry ended, long windowStart) {
        if (ended != null && ended.suppressed > 0) {
            // Its window ended before the timer wrote it: keep its summary for the next write.
            pendingSummaries.add(summary(key, ended));
        }
        Entry fresh = new Entry(windowStart);
        entries.put(key, fresh);
        return fresh;
    }

    /** Summaries taken out of the map and not yet recorded (guarded by {@code entries}). */
    private final List<AuditEvent> pendingSummaries = new ArrayList<>();

    private AuditEvent summary(Key key, Entry entry) {
        AuditEvent.Builder event = AuditEvent.builder(AuditEvent.Category.SECURITY, CONDENSED_TYPE)
                .actor(key.address().equals(OTHER_ADDRESSES) ? Actor.system()
                        : Actor.anonymous(key.address()).from(key.address(), null))
                .action("condense").outcome(AuditEvent.Outcome.DENIED).severity(AuditEvent.Severity.WARN)
                .reason(key.address().equals(OTHER_ADDRESSES)
                        ? key.type() + " events from addresses beyond the " + maxAddresses + " tracked in a window"
                        : "more than " + perAddress + " " + key.type() + " events from one address in a window")
                .detail("type", key.type()).detail("count", entry.suppressed)
                .detail("first", entry.first.toString()).detail("last", entry.last.toString())
                .detail("window_start", Instant.ofEpochMilli(entry.windowStart).toString())
                .detail("window_end", Instant.ofEpochMilli(entry.windowStart + windowMillis).toString());
        return event.build();
    }

    /**
     * Writes the counts of windows that have ended; with {@code all}, also those of the current
     * window (which then counts on from zero).
     */
    private void writeSummaries(boolean all) {
        long now = clock.millis();
        List<AuditEvent> due;
        synchronized (entries) {
            due = new ArrayList<>(pendingSummaries);
            pendingSummaries.clear();
            for (Iterator<Map.Entry<Key, Entry>> it = entries.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<Key, Entry> e = it.next();
                Entry entry = e.getValue();
                boolean ended = entry.windowStart + windowMillis <= now;
                if (entry.suppressed > 0 && (ended || all)) {
                    due.add(summary(e.getKey(), entry));
                    entry.suppressed = 0;
                    entry.first = null;
                    entry.last = null;
                }
                if (ended) {
                    it.remove();
                }
            }
        }
        for (int i = 0; i < due.size(); i++) {
            try {
                delegate.record(due.get(i));
            } catch (RuntimeException e) {
                synchronized (entries) {
                    pendingSummaries.addAll(due.subList(i, due.size())); // kept for the next flush
                }
                throw e;
            }
        }
    }

    private void flushEndedQuietly() {
        try {
            writeSummaries(false);
        } catch (RuntimeException e) {
            LOG.warn("Could not record condensed audit counts; keeping them for the next try: {}",
                    ClientText.forLog(e.getMessage(), 1000));
        }
    }

    /** Writes the counts of ended windows now (the timer does this too). For tests with a manual clock. */
    void flushEnded() {
        writeSummaries(false);
    }

    /** Events condensed into counts since the sink was built. */
    public long condensed() {
        return condensed.sum();
    }

    /** Writes every count so far, then flushes the delegate. */
    @Override
    public void flush() {
        writeSummaries(true);
        delegate.flush();
    }

    @Override
    public String name() {
        return "condensing(" + delegate.name() + ")";
    }

    /** The delegate's health check: this sink's own state is only counts in memory. */
    @Override
    public Optional<HealthCheck> healthCheck() {
        return delegate.healthCheck();
    }

    /** The delegate's metrics (the events it writes; {@link #condensed()} counts those held back). */
    @Override
    public Optional<io.micrometer.core.instrument.binder.MeterBinder> metrics() {
        return delegate.metrics();
    }

    /** Writes every count, stops the timer and closes the delegate. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (timer != null) {
            timer.shutdownNow();
        }
        try {
            writeSummaries(true);
        } finally {
            delegate.close();
        }
    }

    /** Builds a {@link CondensingAuditSink}. Not thread-safe. */
    public static final class Builder {
        private final AuditSink delegate;
        private Set<String> types;
        private Integer perAddress;
        private Duration window;
        private Integer maxAddresses;
        private Clock clock;

        private Builder(AuditSink delegate) {
            this.delegate = Objects.requireNonNull(delegate, "delegate");
        }

        /**
         * The event types to condense (required): those a flood of refused requests produces.
         *
         * @throws IllegalStateException if the types were already set
         */
        public Builder types(String... types) {
            Arguments.setOnce(this.types, "types");
            if (types.length == 0) {
                throw new IllegalArgumentException("types needs at least one event type");
            }
            this.types = Set.of(types);
            return this;
        }

        /**
         * Events of one type from one address recorded as they are in each window (default 5; 0 to 1000).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder perAddress(int events) {
            Arguments.setOnce(this.perAddress, "perAddress");
            if (events < 0 || events > 1000) {
                throw new IllegalArgumentException("perAddress must be 0 to 1000, got " + events);
            }
            this.perAddress = events;
            return this;
        }

        /**
         * The window (default 15 minutes; 1 second to 1 day).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder window(Duration window) {
            Arguments.setOnce(this.window, "window");
            Objects.requireNonNull(window, "window");
            if (window.compareTo(Duration.ofSeconds(1)) < 0 || window.compareTo(Duration.ofDays(1)) > 0) {
                throw new IllegalArgumentException("window must be 1s to 1d, got " + window);
            }
            this.window = window;
            return this;
        }

        /**
         * Addresses tracked per window before the rest are counted together (default 10,000; at least 1).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder maxAddresses(int addresses) {
            Arguments.setOnce(this.maxAddresses, "maxAddresses");
            if (addresses < 1) {
                throw new IllegalArgumentException("maxAddresses must be at least 1, got " + addresses);
            }
            this.maxAddresses = addresses;
            return this;
        }

        /**
         * The clock deciding windows (tests); with a clock given no timer runs: ended windows are
         * written by the next {@code flush()} or {@code close()}.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder clock(Clock clock) {
            Arguments.setOnce(this.clock, "clock");
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * The sink.
         *
         * @throws IllegalStateException if no types were set
         */
        public CondensingAuditSink build() {
            if (types == null) {
                throw new IllegalStateException("types(...) is required: the event types to condense");
            }
            return new CondensingAuditSink(this);
        }
    }
}
