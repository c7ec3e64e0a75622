package dev.infrakit.spring.boot;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code infrakit.backup.*}: the {@code BackupRunner} bean over a source and a repository loaded through {@code Providers}, with retention, and scheduled backups when a schedule is set. Values are checked by Infrakit, whose errors name the key and never echo a password.
 */
@ConfigurationProperties(prefix = "infrakit.backup")
public class InfrakitBackupProperties {

    /** false turns backups off even when a source is set. */
    private Boolean enabled;

    /** What is backed up: postgres or directory. */
    private String source;

    /** Where backups go: local. Default local. */
    private String repository;

    /** The postgres source (pg_dump). */
    private final Postgres postgres = new Postgres();

    /** The directory source. */
    private final Directory directory = new Directory();

    /** The local repository. */
    private final Local local = new Local();

    /** Which backups retention keeps. Defaults: 30 daily, 12 weekly, 0 monthly, at least 1. */
    private final Retention retention = new Retention();

    /** Scheduled backups: one of every or cron. */
    private final Schedule schedule = new Schedule();

    /** Health is DOWN when the newest verified backup is older than this; default 1.5 x the schedule's interval when scheduled. */
    private String rpo;

    /** Created by Spring. */
    public InfrakitBackupProperties() {
    }

    /** @return false turns backups off even when a source is set */
    public Boolean getEnabled() {
        return enabled;
    }

    /** @param enabled false turns backups off even when a source is set */
    public void setEnabled(Boolean enabled) {
        this.enabled = enabled;
    }

    /** @return what is backed up: postgres or directory */
    public String getSource() {
        return source;
    }

    /** @param source what is backed up: postgres or directory */
    public void setSource(String source) {
        this.source = source;
    }

    /** @return where backups go: local */
    public String getRepository() {
        return repository;
    }

    /** @param repository where backups go: local */
    public void setRepository(String repository) {
        this.repository = repository;
    }

    /** @return the postgres settings: the postgres source (pg_dump) */
    public Postgres getPostgres() {
        return postgres;
    }

    /** @return the directory settings: the directory source */
    public Directory getDirectory() {
        return directory;
    }

    /** @return the local settings: the local repository */
    public Local getLocal() {
        return local;
    }

    /** @return the retention settings: which backups retention keeps */
    public Retention getRetention() {
        return retention;
    }

    /** @return the schedule settings: scheduled backups: one of every or cron */
    public Schedule getSchedule() {
        return schedule;
    }

    /** @return health is DOWN when the newest verified backup is older than this; default 1.5 x the schedule's interval when scheduled */
    public String getRpo() {
        return rpo;
    }

    /** @param rpo health is DOWN when the newest verified backup is older than this; default 1.5 x the schedule's interval when scheduled */
    public void setRpo(String rpo) {
        this.rpo = rpo;
    }

    /**
     * The postgres source (pg_dump).
     */
    public static class Postgres {

        /** Database to dump. */
        private String database;

        /** Database user. */
        private String user;

        /** Database host. Default localhost. */
        private String host;

        /** Database port. Default 5432. */
        private Integer port;

        /** Database password. Secret; unset uses a pgpass file or trust. */
        private String password;

        /** Created by Spring. */
        public Postgres() {
        }

        /** @return database to dump */
        public String getDatabase() {
            return database;
        }

        /** @param database database to dump */
        public void setDatabase(String database) {
            this.database = database;
        }

        /** @return database user */
        public String getUser() {
            return user;
        }

        /** @param user database user */
        public void setUser(String user) {
            this.user = user;
        }

        /** @return database host */
        public String getHost() {
            return host;
        }

        /** @param host database host */
        public void setHost(String host) {
            this.host = host;
        }

        /** @return database port */
        public Integer getPort() {
            return port;
        }

        /** @param port database port */
        public void setPort(Integer port) {
            this.port = port;
        }

        /** @return database password */
        public String getPassword() {
            return password;
        }

        /** @param password database password */
        public void setPassword(String password) {
            this.password = password;
        }
    }

    /**
     * The directory source.
     */
    public static class Directory {

        /** Directory to back up; must exist. */
        private String root;

        /** The source's name in manifests. */
        private String name;

        /** Globs of files to include, comma-separated. */
        private String include;

        /** Globs of files to leave out, comma-separated. */
        private String exclude;

        /** Created by Spring. */
        public Directory() {
        }

        /** @return directory to back up; must exist */
        public String getRoot() {
            return root;
        }

        /** @param root directory to back up; must exist */
        public void setRoot(String root) {
            this.root = root;
        }

        /** @return the source's name in manifests */
        public String getName() {
            return name;
        }

        /** @param name the source's name in manifests */
        public void setName(String name) {
            this.name = name;
        }

        /** @return globs of files to include, comma-separated */
        public String getInclude() {
            return include;
        }

        /** @param include globs of files to include, comma-separated */
        public void setInclude(String include) {
            this.include = include;
        }

        /** @return globs of files to leave out, comma-separated */
        public String getExclude() {
            return exclude;
        }

        /** @param exclude globs of files to leave out, comma-separated */
        public void setExclude(String exclude) {
            this.exclude = exclude;
        }
    }

    /**
     * The local repository.
     */
    public static class Local {

        /** Directory of the local repository; created if missing. */
        private String dir;

        /** Created by Spring. */
        public Local() {
        }

        /** @return directory of the local repository; created if missing */
        public String getDir() {
            return dir;
        }

        /** @param dir directory of the local repository; created if missing */
        public void setDir(String dir) {
            this.dir = dir;
        }
    }

    /**
     * Which backups retention keeps. Defaults: 30 daily, 12 weekly, 0 monthly, at least 1.
     */
    public static class Retention {

        /** Daily backups kept. */
        private Integer days;

        /** Weekly backups kept. */
        private Integer weeks;

        /** Monthly backups kept. */
        private Integer months;

        /** Newest backups always kept. */
        private Integer minimum;

        /** Created by Spring. */
        public Retention() {
        }

        /** @return daily backups kept */
        public Integer getDays() {
            return days;
        }

        /** @param days daily backups kept */
        public void setDays(Integer days) {
            this.days = days;
        }

        /** @return weekly backups kept */
        public Integer getWeeks() {
            return weeks;
        }

        /** @param weeks weekly backups kept */
        public void setWeeks(Integer weeks) {
            this.weeks = weeks;
        }

        /** @return monthly backups kept */
        public Integer getMonths() {
            return months;
        }

        /** @param months monthly backups kept */
        public void setMonths(Integer months) {
            this.months = months;
        }

        /** @return newest backups always kept */
        public Integer getMinimum() {
            return minimum;
        }

        /** @param minimum newest backups always kept */
        public void setMinimum(Integer minimum) {
            this.minimum = minimum;
        }
    }

    /**
     * Scheduled backups: one of every or cron.
     */
    public static class Schedule extends ScheduleProperties {

        /** The kind of scheduled backups: hourly, daily, weekly or monthly. Default daily. */
        private String kind;

        /** Created by Spring. */
        public Schedule() {
        }

        /** @return the kind of scheduled backups: hourly, daily, weekly or monthly */
        public String getKind() {
            return kind;
        }

        /** @param kind the kind of scheduled backups: hourly, daily, weekly or monthly */
        public void setKind(String kind) {
            this.kind = kind;
        }
    }
}
