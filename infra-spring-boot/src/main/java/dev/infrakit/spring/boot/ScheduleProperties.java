package dev.infrakit.spring.boot;

/**
 * When a scheduled job runs: one of {@code every} or {@code cron}. The settings of scheduled
 * backups and scheduled credential rotations.
 */
public class ScheduleProperties {

    /** Run at this interval, e.g. 1h (counted from each instance's previous run). */
    private String every;

    /** Run on this cron expression (five fields, UTC), e.g. 0 3 * * * (the same slots in every instance). */
    private String cron;

    /** Created by Spring. */
    public ScheduleProperties() {
    }

    /** @return the interval, e.g. 1h */
    public String getEvery() {
        return every;
    }

    /** @param every run at this interval, e.g. 1h */
    public void setEvery(String every) {
        this.every = every;
    }

    /** @return the cron expression (five fields, UTC) */
    public String getCron() {
        return cron;
    }

    /** @param cron run on this cron expression (five fields, UTC), e.g. 0 3 * * * */
    public void setCron(String cron) {
        this.cron = cron;
    }
}
