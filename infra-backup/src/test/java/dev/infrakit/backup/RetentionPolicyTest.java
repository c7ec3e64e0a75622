package dev.infrakit.backup;

import org.junit.jupiter.api.Test;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RetentionPolicyTest {
    private static final String SHA = "0".repeat(64);

    private static Manifest verified(Instant at) {
        return Manifest.start("postgres:app", BackupKind.DAILY, at).complete(at.plusSeconds(60),
                List.of(new Artifact("database.dump", 10, SHA)), new SourceInfo("pg_dump 15", "15", Map.of()))
                .verified(at.plusSeconds(90));
    }

    private static LocalDate day(Manifest m) {
        return LocalDate.ofInstant(m.started(), ZoneOffset.UTC);
    }

    @Test
    void aYearOfDailyBackupsKeeps30DaysAnd12Weeks() {
        RetentionPolicy policy = RetentionPolicy.defaults();
        List<Manifest> repository = new ArrayList<>();
        LocalDate first = LocalDate.of(2026, 1, 1);
        LocalDate last = LocalDate.of(2026, 12, 31);
        int deleted = 0;
        for (LocalDate d = first; !d.isAfter(last); d = d.plusDays(1)) {
            repository.add(verified(d.atTime(3, 0).toInstant(ZoneOffset.UTC)));
            RetentionPolicy.Plan plan = policy.plan(repository);
            repository.removeAll(plan.delete());
            deleted += plan.delete().size();
        }
        // Independently: the last 30 days, plus the newest day of each of the last 12 ISO weeks.
        Set<LocalDate> expected = new TreeSet<>();
        for (int i = 0; i < 30; i++) {
            expected.add(last.minusDays(i));
        }
        LocalDate weekEnd = last;
        for (int w = 0; w < 12; w++) {
            expected.add(weekEnd);
            weekEnd = weekEnd.with(DayOfWeek.MONDAY).minusDays(1); // the Sunday before this ISO week
        }
        Set<LocalDate> kept = repository.stream().map(RetentionPolicyTest::day).collect(Collectors.toCollection(
                TreeSet::new));
        assertEquals(expected, kept);
        assertEquals(365 - expected.size(), deleted, "every other backup was deleted, each exactly once");
        assertEquals(30 + 12 - 1 - 4, expected.size(), "30 days and 12 weeks overlap in the last 5 weeks");
        RetentionPolicy.Plan plan = policy.plan(repository);
        assertTrue(plan.delete().isEmpty());
        assertTrue(plan.keep().values().iterator().next().contains("newest verified"));
        assertEquals(IsoFields.WEEK_OF_WEEK_BASED_YEAR.getFrom(last), IsoFields.WEEK_OF_WEEK_BASED_YEAR.getFrom(
                day(repository.get(repository.size() - 1))));
    }

    @Test
    void monthsAndTheMinimumKeepMore() {
        List<Manifest> backups = new ArrayList<>();
        Instant start = Instant.parse("2025-01-15T03:00:00Z");
        for (int i = 0; i < 400; i += 7) {
            backups.add(verified(start.plus(Duration.ofDays(i))));
        }
        RetentionPolicy.Plan plan = RetentionPolicy.of(0, 0, 6, 3).plan(backups);
        assertEquals(6 + 2, plan.keep().size(), "six months plus the two newest that are not the newest of a month: "
                + plan.keep());
        assertEquals(backups.size() - plan.keep().size(), plan.delete().size());
    }

    @Test
    void theNewestVerifiedBackupIsNeverDeletedEvenWhenEveryRuleSaysSo() {
        Manifest old = verified(Instant.parse("2026-01-01T03:00:00Z"));
        Manifest newer = verified(Instant.parse("2026-01-02T03:00:00Z"));
        Manifest failed = Manifest.start("postgres:app", BackupKind.DAILY, Instant.parse("2026-01-03T03:00:00Z"))
                .failed(Instant.parse("2026-01-03T03:01:00Z"), "pg_dump exited with 1");
        RetentionPolicy.Plan plan = RetentionPolicy.of(0, 0, 0, 0).plan(List.of(old, newer, failed));
        assertEquals(List.of(newer.id()), new ArrayList<>(plan.keep().keySet()), "the failed one does not count");
        assertEquals(List.of("newest verified"), plan.keep().get(newer.id()));
        assertEquals(List.of(old), plan.delete(), "the failed backup is younger than the kept one: kept as a record");
    }

    @Test
    void keepForeverMarksAndOldFailuresAreHandled() {
        Manifest failedOld = Manifest.start("x", BackupKind.DAILY, Instant.parse("2025-06-01T03:00:00Z"))
                .failed(Instant.parse("2025-06-01T03:01:00Z"), "disk full");
        Manifest forever = verified(Instant.parse("2025-07-01T03:00:00Z")).keepForever(true);
        Manifest plain = verified(Instant.parse("2025-08-01T03:00:00Z"));
        Manifest newest = verified(Instant.parse("2026-01-01T03:00:00Z"));
        RetentionPolicy.Plan plan = RetentionPolicy.of(1, 0, 0, 1).plan(List.of(plain, newest, forever, failedOld));
        assertEquals(Set.of(newest.id(), forever.id()), plan.keep().keySet());
        assertTrue(plan.keep().get(forever.id()).contains("keep-forever"));
        assertEquals(List.of(failedOld, plain), plan.delete(), "oldest first; a failure older than every kept backup goes");
        assertTrue(plan.toString().contains("delete " + plain.id()), plan.toString());
        assertThrows(IllegalArgumentException.class, () -> RetentionPolicy.of(-1, 0, 0, 0));
        RetentionPolicy.Plan all = RetentionPolicy.keepAll().plan(List.of(plain, newest, forever, failedOld));
        assertTrue(all.delete().isEmpty(), "keepAll deletes nothing");
        assertEquals(3, all.keep().size());
    }
}
