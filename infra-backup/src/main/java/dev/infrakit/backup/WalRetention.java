package dev.infrakit.backup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Retention of archived WAL that follows the base backups: WAL older than every base backup it
 * could be replayed from is deleted, and a point-in-time window is kept on top.
 *
 * <p>The anchor is the newest verified base backup that started at or before {@code now - window}
 * (so any time within the window can be recovered from it), or, when none is that old, the oldest
 * verified base backup. Every WAL segment (and {@code .partial} and {@code .backup} file) before the
 * anchor's start segment is deleted; everything from it on is kept, and timeline history files are
 * always kept. A kept base backup older than the anchor still restores to its own end: its tar holds
 * the WAL that makes it consistent. With no verified base backup, nothing is deleted.
 *
 * <p>Without it, continuous archiving grows without bound.
 */
public final class WalRetention {
    private static final Logger LOG = LoggerFactory.getLogger(WalRetention.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Duration window;
    private final Clock clock;

    private WalRetention(Duration window, Clock clock) {
        this.window = window;
        this.clock = clock;
    }

    /**
     * Keeps the WAL the base backups need plus {@code window} of continuous WAL (7 days is a common
     * choice), by the system clock.
     */
    public static WalRetention keeping(Duration window) {
        return keeping(window, Clock.systemUTC());
    }

    /** As {@link #keeping(Duration)}, by {@code clock}. */
    public static WalRetention keeping(Duration window, Clock clock) {
        if (Objects.requireNonNull(window, "window").isNegative()) {
            throw new IllegalArgumentException("The point-in-time window cannot be negative, got " + window);
        }
        return new WalRetention(window, Objects.requireNonNull(clock, "clock"));
    }

    /**
     * Deletes (unless {@code dryRun}) the archived WAL of {@code repository} that the rule above no
     * longer keeps, oldest first.
     *
     * @return the names deleted (or that would be)
     * @throws BackupException if a base backup's {@code backup_manifest} cannot be read, or a file
     *     cannot be deleted (what was deleted before stays deleted: it was not needed)
     */
    public List<String> apply(BackupRepository repository, boolean dryRun) {
        List<String> deleted = new ArrayList<>();
        WalArchive archive = repository.walArchive().orElse(null);
        if (archive == null) {
            return deleted;
        }
        List<Manifest> bases = repository.list().stream()
                .filter(m -> m.status() == BackupStatus.VERIFIED
                        && m.artifact(PostgresBaseBackupSource.MANIFEST_ARTIFACT).isPresent())
                .sorted(Comparator.comparing(Manifest::started)).toList();
        if (bases.isEmpty()) {
            return deleted;
        }
        Instant cutoff = clock.instant().minus(window);
        Manifest anchor = bases.get(0);
        for (Manifest m : bases) {
            if (!m.started().isAfter(cutoff)) {
                anchor = m;
            }
        }
        String keepFrom = startSegment(repository, anchor);
        try {
            for (WalArchive.WalSegment file : archive.list()) {
                String name = file.name();
                if (name.endsWith(".history") || name.substring(0, 24).compareTo(keepFrom) >= 0) {
                    continue;
                }
                if (!dryRun) {
                    archive.delete(name);
                }
                deleted.add(name);
            }
        } catch (IOException e) {
            throw new BackupException("Cannot apply WAL retention to " + repository.name() + " (" + deleted.size()
                    + " files deleted before the failure): " + e.getMessage(), e);
        }
        if (!deleted.isEmpty()) {
            LOG.info("WAL retention {} {} archived WAL files of {} before {} (base backup {}, window {})",
                    dryRun ? "would delete" : "deleted", deleted.size(), repository.name(), keepFrom, anchor.id(), window);
        }
        return deleted;
    }

    /** The WAL range of base backup {@code backup}, from its backup_manifest: Timeline, Start-LSN, End-LSN. */
    static JsonNode walRange(BackupRepository repository, Manifest backup) {
        JsonNode range;
        try (InputStream in = repository.open(backup.id(), PostgresBaseBackupSource.MANIFEST_ARTIFACT)) {
            range = JSON.readTree(in).path("WAL-Ranges").path(0);
        } catch (IOException e) {
            throw new BackupException("Cannot read the backup_manifest of base backup " + backup.id() + ": "
                    + e.getMessage(), e);
        }
        if (!range.isObject()) {
            throw new BackupException("The backup_manifest of base backup " + backup.id() + " has no WAL range");
        }
        return range;
    }

    /** The first WAL segment base backup {@code backup} needs, from its backup_manifest. */
    static String startSegment(BackupRepository repository, Manifest backup) {
        JsonNode range = walRange(repository, backup);
        String lsn = range.path("Start-LSN").asText("");
        int timeline = range.path("Timeline").asInt(-1);
        if (!lsn.matches("[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}") || timeline < 1) {
            throw new BackupException("The backup_manifest of base backup " + backup.id() + " has no WAL range");
        }
        return segment(timeline, lsn);
    }

    /** The last WAL segment base backup {@code backup} needs to be consistent, from its backup_manifest. */
    static String endSegment(BackupRepository repository, Manifest backup) {
        JsonNode range = walRange(repository, backup);
        return segment(range.path("Timeline").asInt(-1), range.path("End-LSN").asText(""));
    }

    /** The name of the segment holding {@code lsn} on {@code timeline}. */
    static String segment(int timeline, String lsn) {
        long segment = PointInTimeRestore.lsnValue(lsn) / (16L << 20);
        return String.format("%08X%08X%08X", timeline, segment / 0x100, segment % 0x100);
    }

    @Override
    public String toString() {
        return "WalRetention[window " + window + "]";
    }
}
