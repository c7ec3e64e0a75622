package dev.infrakit.backup;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Grandfather-father-son retention with restic's semantics: keep the newest backup of each of the
 * last N days, N ISO weeks and N months (UTC) that have one, the newest {@code minimum} backups,
 * and every backup marked keep-forever. Only VERIFIED backups count and can be kept by a rule;
 * the newest verified backup is always kept, whatever the rules say. A backup's kind label plays
 * no part. Failed and unverified backups older than the oldest backup kept are removed too (they
 * hold no data worth keeping; younger ones stay, as a record).
 *
 * <p>Defaults: 30 days, 12 weeks, 0 months, minimum 1. Immutable.
 */
public final class RetentionPolicy {
    private final int days;
    private final int weeks;
    private final int months;
    private final int minimum;
    private final boolean keepAll;

    private RetentionPolicy(int days, int weeks, int months, int minimum) {
        this(days, weeks, months, minimum, false);
    }

    private RetentionPolicy(int days, int weeks, int months, int minimum, boolean keepAll) {
        this.days = days;
        this.weeks = weeks;
        this.months = months;
        this.minimum = minimum;
        this.keepAll = keepAll;
    }

    /** Deletes nothing (for runs whose pruning is done separately, e.g. by a command-line prune). */
    public static RetentionPolicy keepAll() {
        return new RetentionPolicy(0, 0, 0, 0, true);
    }

    /** 30 daily, 12 weekly, 0 monthly, minimum 1. */
    public static RetentionPolicy defaults() {
        return new RetentionPolicy(30, 12, 0, 1);
    }

    /**
     * A policy keeping the newest backup of each of the last {@code days} days, {@code weeks} ISO
     * weeks and {@code months} months that have one, and at least the newest {@code minimum}.
     *
     * @throws IllegalArgumentException if a count is negative
     */
    public static RetentionPolicy of(int days, int weeks, int months, int minimum) {
        for (int n : new int[] {days, weeks, months, minimum}) {
            if (n < 0) {
                throw new IllegalArgumentException("Retention counts cannot be negative: days " + days + ", weeks " + weeks
                        + ", months " + months + ", minimum " + minimum);
            }
        }
        return new RetentionPolicy(days, weeks, months, minimum);
    }

    /** What to keep (with why) and what to delete, for the backups of one repository. */
    public static final class Plan {
        private final Map<String, List<String>> keep;
        private final List<Manifest> delete;

        Plan(Map<String, List<String>> keep, List<Manifest> delete) {
            this.keep = keep;
            this.delete = List.copyOf(delete);
        }

        /** The ids kept, newest first, each with the rules that keep it. */
        public Map<String, List<String>> keep() {
            return keep;
        }

        /** The backups to delete, oldest first. */
        public List<Manifest> delete() {
            return delete;
        }

        @Override
        public String toString() {
            StringBuilder b = new StringBuilder("keep " + keep.size() + ", delete " + delete.size());
            for (Manifest m : delete) {
                b.append("\n  delete ").append(m.id()).append(" (").append(m.status()).append(", started ")
                        .append(m.started()).append(")");
            }
            return b.toString();
        }
    }

    /** The plan for {@code backups} (in any order). */
    public Plan plan(List<Manifest> backups) {
        List<Manifest> verified = new ArrayList<>();
        for (Manifest m : backups) {
            if (m.status() == BackupStatus.VERIFIED) {
                verified.add(m);
            }
        }
        verified.sort((a, b) -> b.started().compareTo(a.started()));
        Map<String, List<String>> keep = new LinkedHashMap<>();
        if (keepAll) {
            for (Manifest m : verified) {
                keep.put(m.id(), List.of("keep-all"));
            }
            return new Plan(java.util.Collections.unmodifiableMap(keep), List.of());
        }
        bucket(verified, days, "daily", t -> LocalDate.ofInstant(t, ZoneOffset.UTC).toString(), keep);
        bucket(verified, weeks, "weekly", t -> {
            LocalDate d = LocalDate.ofInstant(t, ZoneOffset.UTC);
            return d.get(IsoFields.WEEK_BASED_YEAR) + "-W" + d.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR);
        }, keep);
        bucket(verified, months, "monthly", t -> LocalDate.ofInstant(t, ZoneOffset.UTC).withDayOfMonth(1).toString(), keep);
        for (int i = 0; i < Math.min(minimum, verified.size()); i++) {
            keep.computeIfAbsent(verified.get(i).id(), k -> new ArrayList<>()).add("minimum");
        }
        for (Manifest m : verified) {
            if (m.isKeptForever()) {
                keep.computeIfAbsent(m.id(), k -> new ArrayList<>()).add("keep-forever");
            }
        }
        if (!verified.isEmpty()) {
            keep.computeIfAbsent(verified.get(0).id(), k -> new ArrayList<>()).add("newest verified");
        }
        Instant oldestKept = null;
        for (Manifest m : verified) {
            if (keep.containsKey(m.id()) && (oldestKept == null || m.started().isBefore(oldestKept))) {
                oldestKept = m.started();
            }
        }
        List<Manifest> delete = new ArrayList<>();
        for (Manifest m : backups) {
            boolean counted = m.status() == BackupStatus.VERIFIED;
            if (counted && !keep.containsKey(m.id())) {
                delete.add(m);
            } else if (!counted && m.status() != BackupStatus.RUNNING && oldestKept != null
                    && m.started().isBefore(oldestKept) && !m.isKeptForever()) {
                delete.add(m);
            }
        }
        delete.sort((a, b) -> a.started().compareTo(b.started()));
        Map<String, List<String>> ordered = new LinkedHashMap<>();
        for (Manifest m : verified) {
            if (keep.containsKey(m.id())) {
                ordered.put(m.id(), List.copyOf(keep.get(m.id())));
            }
        }
        return new Plan(java.util.Collections.unmodifiableMap(ordered), delete);
    }

    /** Keeps the newest backup of each of the first {@code count} distinct buckets, newest first. */
    private static void bucket(List<Manifest> newestFirst, int count, String rule,
            java.util.function.Function<Instant, String> bucketOf, Map<String, List<String>> keep) {
        String last = null;
        int kept = 0;
        for (Manifest m : newestFirst) {
            if (kept >= count) {
                return;
            }
            String bucket = bucketOf.apply(m.started());
            if (!bucket.equals(last)) {
                keep.computeIfAbsent(m.id(), k -> new ArrayList<>()).add(rule + " " + bucket);
                last = bucket;
                kept++;
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RetentionPolicy && ((RetentionPolicy) o).days == days && ((RetentionPolicy) o).weeks == weeks
                && ((RetentionPolicy) o).months == months && ((RetentionPolicy) o).minimum == minimum
                && ((RetentionPolicy) o).keepAll == keepAll;
    }

    @Override
    public int hashCode() {
        return Objects.hash(days, weeks, months, minimum);
    }

    @Override
    public String toString() {
        return keepAll ? "RetentionPolicy[keep all]" : "RetentionPolicy[daily " + days + ", weekly " + weeks + ", monthly " + months + ", minimum " + minimum + "]";
    }
}
