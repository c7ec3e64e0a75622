package dev.infrakit.backup;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/** The meters of a {@link WalArchiver}, read from its own counters when scraped (no query to the server). */
final class WalArchiverMetrics implements MeterBinder {
    private final WalArchiver archiver;

    private WalArchiverMetrics(WalArchiver archiver) {
        this.archiver = archiver;
    }

    static MeterBinder of(WalArchiver archiver) {
        return new WalArchiverMetrics(archiver);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        String slot = archiver.slot();
        FunctionCounter.builder("infrakit.backup.wal.archived", archiver, a -> a.status().archived()).tag("slot", slot)
                .description("WAL segments archived since the archiver started").register(registry);
        FunctionCounter.builder("infrakit.backup.wal.restarts", archiver, a -> a.status().restarts()).tag("slot", slot)
                .description("Times pg_receivewal exited and was restarted").register(registry);
        Gauge.builder("infrakit.backup.wal.last.archived", archiver, a -> a.status().lastArchivedAt()
                .map(t -> (double) t.getEpochSecond()).orElse(0.0)).tag("slot", slot).baseUnit("seconds")
                .description("When the last WAL segment was archived, in seconds since the epoch (0: none yet)")
                .register(registry);
        Gauge.builder("infrakit.backup.wal.receiving", archiver, a -> a.status().receiving() ? 1 : 0).tag("slot", slot)
                .description("1 while pg_receivewal streams, 0 while it is down").register(registry);
    }
}
