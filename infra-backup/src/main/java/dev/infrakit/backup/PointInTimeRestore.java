package dev.infrakit.backup;

import dev.infrakit.backup.internal.PgBinaries;
import dev.infrakit.backup.internal.ThrowawayServer;
import dev.infrakit.backup.internal.ToolProcess;
import dev.infrakit.core.Arguments;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Point-in-time recovery: a base backup ({@link PostgresBaseBackupSource}) and the WAL archived after
 * it ({@link WalArchiver}) restored into a new data directory and started as a server that replays
 * the WAL up to a time, an LSN, or the end of the archive, then is promoted.
 *
 * <p>How: the base backup's tar is extracted (no link, absolute path or {@code ..} in it is
 * followed), and every archived WAL file from the backup's start segment on is fetched from the
 * repository, read through its decryption when the repository is encrypted (so altered WAL is
 * refused), into a staging directory beside the data directory; {@code restore_command} is a plain
 * {@code cp} from there, since the server's OS user can read neither an owner-only, an encrypted nor
 * a remote repository. The last segment, when only its {@code .partial} is archived, is staged
 * under its full name, so the WAL it holds is replayed. When the JVM runs as root the files are
 * given to the server's OS user before it starts (PostgreSQL refuses to run as root).
 *
 * <p>Before anything is started, the archive must hold every segment from the backup's start to the
 * last one archived (to the target's segment for an LSN target): a missing one would end recovery
 * there, short of the target, so the restore stops and names it. Recovery stops at the target (or
 * where the archived WAL ends) and the server is promoted: {@link RestoredServer#awaitPromoted}
 * waits for that.
 */
public final class PointInTimeRestore {
    private static final Pattern SEGMENT = Pattern.compile("[0-9A-F]{24}");

    private final BackupRepository repository;
    private final String backupId;
    private final Target target;
    private final Path dataDirectory;
    private final String osUser;
    private final Path binDir;
    private final Duration timeout;
    private final boolean verify;

    private PointInTimeRestore(Builder b) {
        this.repository = b.repository;
        this.backupId = b.backupId;
        this.target = b.target != null ? b.target : Target.latest();
        this.dataDirectory = b.dataDirectory;
        this.osUser = b.osUser != null ? b.osUser : ThrowawayServer.runningAsRoot() ? "postgres" : null;
        this.binDir = b.binDir;
        this.timeout = b.timeout != null ? b.timeout : Duration.ofHours(4);
        this.verify = b.verify == null || b.verify;
    }

    /** A builder: the repository, the base backup and the data directory are required. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The base backup a restore to {@code target} starts from: the newest verified base backup that
     * ended before the target time (a time target), whose WAL range ends at or before the target LSN
     * (an LSN target), or the newest (the latest archived WAL). Starting from the newest one that
     * qualifies replays the least WAL.
     *
     * @throws BackupException if the repository holds no base backup that qualifies (the message
     *     says what it holds)
     */
    public static Manifest chooseBaseBackup(BackupRepository repository, Target target) {
        Objects.requireNonNull(repository, "repository");
        Objects.requireNonNull(target, "target");
        List<Manifest> bases = repository.list().stream().filter(m -> m.status() == BackupStatus.VERIFIED
                && m.artifact(PostgresBaseBackupSource.BASE_ARTIFACT).isPresent())
                .sorted(java.util.Comparator.comparing(Manifest::started).reversed()).toList();
        for (Manifest m : bases) {
            if (target.time != null && m.ended().map(e -> e.isAfter(target.time)).orElse(true)) {
                continue;
            }
            if (target.lsn != null && Long.compareUnsigned(lsnValue(WalRetention.walRange(repository, m)
                    .path("End-LSN").asText("")), lsnValue(target.lsn)) > 0) {
                continue;
            }
            return m;
        }
        throw new BackupException(bases.isEmpty() ? repository.name() + " holds no verified base backup"
                : "No verified base backup in " + repository.name() + " ended before " + target + " (the oldest of "
                        + bases.size() + " ended " + bases.get(bases.size() - 1).ended().map(Instant::toString)
                        .orElse("?") + ")");
    }

    /** An LSN ({@code 16/B374D848}) as a number. */
    static long lsnValue(String lsn) {
        if (!lsn.matches("[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}")) {
            throw new BackupException("Not an LSN: '" + lsn + "'");
        }
        return (Long.parseLong(lsn.substring(0, lsn.indexOf('/')), 16) << 32) | Long.parseLong(lsn.substring(
                lsn.indexOf('/') + 1), 16);
    }

    /** Where recovery stops. */
    public static final class Target {
        private final Instant time;
        private final String lsn;

        private Target(Instant time, String lsn) {
            this.time = time;
            this.lsn = lsn;
        }

        /** Replay every archived WAL file. */
        public static Target latest() {
            return new Target(null, null);
        }

        /** Replay up to and including the transactions committed at {@code time}. */
        public static Target time(Instant time) {
            return new Target(Objects.requireNonNull(time, "time"), null);
        }

        /**
         * Replay up to the LSN {@code lsn} ({@code 0/3000060}).
         *
         * @throws IllegalArgumentException if it is not an LSN
         */
        public static Target lsn(String lsn) {
            if (lsn == null || !lsn.matches("[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}")) {
                throw new IllegalArgumentException("An LSN looks like 0/3000060");
            }
            return new Target(null, lsn.toUpperCase(java.util.Locale.ROOT));
        }

        @Override
        public String toString() {
            return time != null ? "time " + time : lsn != null ? "LSN " + lsn : "the latest archived WAL";
        }
    }

    /**
     * Restores and starts the server (see the class comment). The caller closes the returned server.
     *
     * @throws BackupException if the backup is not a base backup, the data directory is not new and
     *     empty, a file cannot be fetched or decrypted, or the server does not start or does not
     *     reach the target (the message says which, with the end of the server's log)
     */
    public RestoredServer restore() {
        Manifest backup = repository.find(backupId).orElseThrow(() -> new BackupException("No backup " + backupId + " in "
                + repository.name()));
        if (backup.artifact(PostgresBaseBackupSource.BASE_ARTIFACT).isEmpty()) {
            throw new BackupException("Backup " + backupId + " is not a base backup (it has no "
                    + PostgresBaseBackupSource.BASE_ARTIFACT + "): a point-in-time restore needs one");
        }
        WalArchive archive = repository.walArchive().orElseThrow(() -> new BackupException(repository.name()
                + " keeps no WAL: a point-in-time restore needs the WAL archived since the base backup"));
        Path wal = dataDirectory.resolveSibling(dataDirectory.getFileName() + ".wal");
        try {
            requireNewOrEmpty(dataDirectory);
            requireNewOrEmpty(wal);
            String startSegment = WalRetention.startSegment(repository, backup);
            requireNoGap(archive.list().stream().map(WalArchive.WalSegment::name).collect(Collectors.toSet()),
                    startSegment); // before anything is written
            boolean[] existed = {Files.exists(dataDirectory, LinkOption.NOFOLLOW_LINKS),
                    Files.exists(wal, LinkOption.NOFOLLOW_LINKS)};
            try {
                createEmpty(dataDirectory);
                createEmpty(wal);
                extract(verify ? manifestFiles() : null);
                stageWal(archive, startSegment, wal);
                configure(wal);
                if (osUser != null) {
                    giveTo(dataDirectory);
                    giveTo(wal);
                }
            } catch (IOException | RuntimeException e) {
                // Nothing half-restored is left to be started by mistake: both were new or empty.
                removeQuietly(dataDirectory, existed[0], e);
                removeQuietly(wal, existed[1], e);
                throw e;
            }
        } catch (IOException e) {
            throw new BackupException("Cannot restore backup " + backupId + " into " + dataDirectory + ": " + e.getMessage(),
                    e);
        }
        return start();
    }

    private static void requireNewOrEmpty(Path dir) throws IOException {
        if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                throw new FileAlreadyExistsException(dir + " exists and is not a directory");
            }
            try (Stream<Path> entries = Files.list(dir)) {
                if (entries.findAny().isPresent()) {
                    throw new FileAlreadyExistsException(dir + " is not empty: restore into a new directory");
                }
            }
        }
    }

    /** Deletes what a failed restore wrote into {@code dir}, and {@code dir} itself unless it existed. */
    private static void removeQuietly(Path dir, boolean existed, Exception failure) {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) paths.sorted(java.util.Comparator.reverseOrder())::iterator) {
                if (!p.equals(dir) || !existed) {
                    Files.delete(p);
                }
            }
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    private static void createEmpty(Path dir) throws IOException {
        requireNewOrEmpty(dir);
        if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            return;
        }
        Files.createDirectories(dir.toAbsolutePath().getParent());
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }

    /**
     * Extracts the base tar: regular files and directories only, each inside the data directory.
     * With {@code recorded}, every file is hashed as it is written and must match the
     * {@code backup_manifest} (size and SHA-256), every file it lists must be there, and a file it
     * does not list is allowed only in {@code pg_wal/} (the WAL that makes the copy consistent).
     */
    private void extract(Map<String, Recorded> recorded) throws IOException {
        try (InputStream in = new GZIPInputStream(repository.open(backupId, PostgresBaseBackupSource.BASE_ARTIFACT),
                64 << 10)) {
            byte[] header = new byte[512];
            Path root = dataDirectory.toAbsolutePath().normalize();
            while (true) {
                if (in.readNBytes(header, 0, 512) < 512) {
                    throw new IOException("the base backup's tar ends early");
                }
                if (isZero(header)) {
                    if (recorded != null && !recorded.isEmpty()) {
                        throw new BackupException("The base backup " + backupId + " lacks " + recorded.size()
                                + " files its backup_manifest lists, e.g. " + new java.util.TreeSet<>(recorded.keySet())
                                .first());
                    }
                    return;
                }
                String name = text(header, 0, 100);
                String prefix = text(header, 345, 155);
                if (!prefix.isEmpty() && header[257] == 'u') {
                    name = prefix + "/" + name;
                }
                long size = Long.parseLong(text(header, 124, 12).trim().isEmpty() ? "0" : text(header, 124, 12).trim(), 8);
                char type = (char) header[156];
                Path target = root.resolve(name).normalize();
                if (name.startsWith("/") || !target.startsWith(root)) {
                    throw new IOException("the base backup's tar holds a path outside the data directory: " + name);
                }
                if (type == '5') {
                    Files.createDirectories(target);
                } else if (type == '0' || type == 0) {
                    Files.createDirectories(target.getParent());
                    java.security.MessageDigest digest = recorded == null ? null : dev.infrakit.backup.internal.Sha256
                            .newDigest();
                    try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW,
                            StandardOpenOption.WRITE)) {
                        copy(in, digest == null ? out : new java.security.DigestOutputStream(out, digest), size);
                    }
                    if (recorded != null) {
                        check(recorded, name, size, dev.infrakit.backup.internal.Sha256.hex(digest));
                    }
                } else if (type == '2') {
                    throw new IOException("the base backup holds a link (" + name + "): tablespaces are not restored");
                } else {
                    skip(in, size);
                }
                skip(in, (512 - size % 512) % 512);
            }
        }
    }

    /** Checks one extracted file against the backup_manifest, crossing it off. */
    private void check(Map<String, Recorded> recorded, String name, long size, String sha256) {
        Recorded expected = recorded.remove(name);
        if (expected == null) {
            if (name.startsWith("pg_wal/") || name.equals("backup_manifest")) {
                return; // the WAL that makes the copy consistent, and the manifest itself: not listed
            }
            throw new BackupException("The base backup " + backupId + " holds " + name + ", which its backup_manifest "
                    + "does not list");
        }
        if (expected.size() != size || !expected.sha256().equals(sha256)) {
            throw new BackupException("The restored file " + name + " of base backup " + backupId + " does not match its "
                    + "backup_manifest (" + size + " bytes, SHA-256 " + sha256 + "; recorded " + expected.size()
                    + " bytes, " + expected.sha256() + ")");
        }
    }

    private static void copy(InputStream in, OutputStream out, long size) throws IOException {
        byte[] buffer = new byte[64 << 10];
        long left = size;
        while (left > 0) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) {
                throw new IOException("the base backup's tar ends inside a file");
            }
            out.write(buffer, 0, n);
            left -= n;
        }
    }

    private static void skip(InputStream in, long n) throws IOException {
        in.skipNBytes(n); // EOFException if the tar ends first
    }

    private static boolean isZero(byte[] block) {
        for (byte b : block) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static String text(byte[] b, int offset, int length) {
        int end = offset;
        while (end < offset + length && b[end] != 0) {
            end++;
        }
        return new String(b, offset, end - offset, StandardCharsets.UTF_8);
    }

    /**
     * Checks that the archive holds every segment of the backup's timeline from {@code startSegment}
     * to the last one archived (or, for an LSN target, to the target's segment), the last one
     * possibly as a {@code .partial}: a gap would end recovery there, silently short of the target.
     *
     * @throws BackupException naming the first missing segment
     */
    private void requireNoGap(Set<String> names, String startSegment) {
        String timeline = startSegment.substring(0, 8);
        long first = segmentNumber(startSegment);
        long last = first;
        for (String name : names) {
            String base = name.length() >= 24 ? name.substring(0, 24) : name;
            if (SEGMENT.matcher(base).matches() && base.startsWith(timeline)) {
                last = Math.max(last, segmentNumber(base));
            }
        }
        if (target.lsn != null) {
            long high = Long.parseLong(target.lsn.substring(0, target.lsn.indexOf('/')), 16);
            long low = Long.parseLong(target.lsn.substring(target.lsn.indexOf('/') + 1), 16);
            last = Math.max(first, ((high << 32) | low) / (16L << 20));
        }
        for (long n = first; n <= last; n++) {
            String segment = timeline + String.format("%08X%08X", n / 0x100, n % 0x100);
            if (!names.contains(segment) && !names.contains(segment + ".partial")) {
                throw new BackupException("WAL segment " + segment + " is missing from the archive of "
                        + repository.name() + ": recovery from backup " + backupId + " could not get past it (the archive "
                        + "holds up to " + timeline + String.format("%08X%08X", last / 0x100, last % 0x100) + "); restore "
                        + "to a target before it, or from a later base backup");
            }
        }
    }

    private static long segmentNumber(String segment) {
        return Long.parseLong(segment.substring(8, 16), 16) * 0x100 + Long.parseLong(segment.substring(16, 24), 16);
    }

    /** Fetches every archived WAL file from {@code startSegment} on into {@code wal}. */
    private void stageWal(WalArchive archive, String startSegment, Path wal) throws IOException {
        Set<String> complete = archive.list().stream().map(WalArchive.WalSegment::name)
                .filter(n -> SEGMENT.matcher(n).matches()).collect(Collectors.toSet());
        // An LSN target needs nothing after its own segment; a time target may be in any later one.
        String lastNeeded = target.lsn == null ? null : WalRetention.segment(Integer.parseInt(startSegment.substring(0, 8),
                16), target.lsn);
        for (WalArchive.WalSegment file : archive.list()) {
            String name = file.name();
            if (lastNeeded != null && !name.endsWith(".history") && name.substring(0, 24).compareTo(lastNeeded) > 0) {
                continue;
            }
            String staged;
            if (name.endsWith(".history")) {
                staged = name;
            } else if (name.endsWith(".partial")) {
                String full = name.substring(0, 24);
                if (complete.contains(full) || full.compareTo(startSegment) < 0) {
                    continue;
                }
                staged = full; // the end of the WAL: replayed as far as it goes
            } else if (SEGMENT.matcher(name).matches() && name.compareTo(startSegment) >= 0) {
                staged = name;
            } else {
                continue;
            }
            try (InputStream in = archive.open(name)) {
                Files.copy(in, wal.resolve(staged));
            } catch (BackupDecryptionException e) {
                throw new BackupException("Archived WAL file " + name + " cannot be decrypted: " + e.getMessage(), e);
            } // a file altered at rest fails here too, naming itself (the archive checks its SHA-256)
        }
    }

    /** A file as the base backup's {@code backup_manifest} records it. */
    private record Recorded(long size, String sha256) {
    }

    /**
     * The files the base backup's {@code backup_manifest} lists, by path, with their size and
     * SHA-256.
     */
    private Map<String, Recorded> manifestFiles() throws IOException {
        com.fasterxml.jackson.databind.JsonNode files;
        try (InputStream in = repository.open(backupId, PostgresBaseBackupSource.MANIFEST_ARTIFACT)) {
            files = new com.fasterxml.jackson.databind.ObjectMapper().readTree(in).path("Files");
        }
        Map<String, Recorded> recorded = new java.util.HashMap<>();
        for (com.fasterxml.jackson.databind.JsonNode f : files) {
            String path = f.has("Encoded-Path") ? new String(java.util.HexFormat.of().parseHex(f.path("Encoded-Path")
                    .asText()), StandardCharsets.UTF_8) : f.path("Path").asText();
            if (!"SHA256".equals(f.path("Checksum-Algorithm").asText())) {
                throw new BackupException("The backup_manifest of base backup " + backupId + " has no SHA-256 of " + path
                        + ": it cannot be verified (restore with verify(false))");
            }
            recorded.put(path, new Recorded(f.path("Size").asLong(), f.path("Checksum").asText()));
        }
        if (recorded.isEmpty()) {
            throw new BackupException("The backup_manifest of base backup " + backupId + " lists no file");
        }
        return recorded;
    }

    private void configure(Path wal) throws IOException {
        List<String> settings = new ArrayList<>();
        settings.add("restore_command = 'cp \"" + wal.toAbsolutePath() + "/%f\" \"%p\"'");
        settings.add("recovery_target_action = 'promote'");
        if (target.time != null) {
            settings.add("recovery_target_time = '" + java.time.format.DateTimeFormatter.ofPattern(
                    "yyyy-MM-dd HH:mm:ss.SSSSSS'+00'").withZone(java.time.ZoneOffset.UTC).format(target.time) + "'");
        } else if (target.lsn != null) {
            settings.add("recovery_target_lsn = '" + target.lsn + "'");
        }
        settings.add("archive_mode = 'off'");
        // A new timeline with no standby yet: a synchronous_standby_names kept from the backup would
        // block every commit of the restored server.
        settings.add("synchronous_standby_names = ''");
        Files.writeString(dataDirectory.resolve("postgresql.auto.conf"), String.join("\n", settings) + "\n",
                StandardCharsets.UTF_8, StandardOpenOption.APPEND, StandardOpenOption.CREATE);
        Files.createFile(dataDirectory.resolve("recovery.signal"));
    }

    private void giveTo(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                ThrowawayServer.chown(p, osUser);
            }
        }
    }

    private RestoredServer start() {
        int port = ThrowawayServer.freePort();
        Path pgCtl = PgBinaries.locate("pg_ctl", binDir, System.getenv());
        List<String> command = new ArrayList<>();
        if (osUser != null) {
            command.addAll(List.of(ThrowawayServer.runuser().toString(), "-u", osUser, "--"));
        }
        command.addAll(List.of(pgCtl.toString(), "-D", dataDirectory.toString(), "-l",
                dataDirectory.resolve("restore.log").toString(), "-w", "-t", Long.toString(timeout.toSeconds()), "-o",
                "-p " + port + " -c listen_addresses=127.0.0.1 -c unix_socket_directories=" + dataDirectory, "start"));
        ToolProcess.Result result = ToolProcess.run(command, Map.of(), Path.of("/"), null, null, timeout);
        RestoredServer server = new RestoredServer(dataDirectory, port, pgCtl, osUser, timeout);
        if (!result.succeeded()) {
            throw new BackupException("The restored server did not start: " + result.describeFailure(timeout)
                    + "; its log: " + server.log());
        }
        return server;
    }

    /** A server started on a restored data directory; closing it stops it (the files stay). */
    public static final class RestoredServer implements AutoCloseable {
        private final Path dataDirectory;
        private final int port;
        private final Path pgCtl;
        private final String osUser;
        private final Duration timeout;
        private boolean stopped;
        private volatile boolean promoted;

        RestoredServer(Path dataDirectory, int port, Path pgCtl, String osUser, Duration timeout) {
            this.dataDirectory = dataDirectory;
            this.port = port;
            this.pgCtl = pgCtl;
            this.osUser = osUser;
            this.timeout = timeout;
        }

        /** The port it listens on, on 127.0.0.1. */
        public int port() {
            return port;
        }

        /** The restored data directory. */
        public Path dataDirectory() {
            return dataDirectory;
        }

        /**
         * Waits until recovery has ended and the server is promoted (read-write), connecting as
         * {@code user} to {@code database}.
         *
         * @throws BackupException if it is still recovering after {@code wait}, or cannot be reached
         */
        public void awaitPromoted(String database, String user, String password, Duration wait) {
            long deadline = System.nanoTime() + wait.toNanos();
            Properties props = new Properties();
            props.setProperty("user", user);
            if (password != null) {
                props.setProperty("password", password);
            }
            while (true) {
                try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database,
                        props); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                                "SELECT pg_is_in_recovery()")) {
                    rs.next();
                    if (!rs.getBoolean(1)) {
                        promoted = true;
                        return;
                    }
                } catch (SQLException e) {
                    if (System.nanoTime() > deadline) {
                        throw new BackupException("The restored server cannot be reached: " + e.getMessage() + "; its log: "
                                + log(), e);
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new BackupException("The restored server is still recovering after " + wait + "; its log: " + log());
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new BackupException("Interrupted while waiting for the restored server", e);
                }
            }
        }

        /**
         * Deletes the WAL staged beside the data directory: once promoted, the server has what it
         * replayed in its own {@code pg_wal} and reads the staging directory no more.
         */
        private void removeStagedWal() {
            Path staged = dataDirectory.resolveSibling(dataDirectory.getFileName() + ".wal");
            try {
                removeQuietly(staged, false, new IOException("removing " + staged));
            } catch (RuntimeException e) {
                // best effort: the directory only takes space
            }
        }

        /** The end of the server's log (at most 4,000 characters). */
        public String log() {
            try {
                String log = Files.readString(dataDirectory.resolve("restore.log"), StandardCharsets.UTF_8);
                return log.length() > 4000 ? log.substring(log.length() - 4000) : log;
            } catch (IOException e) {
                return "(no log: " + e.getMessage() + ")";
            }
        }

        /**
         * Stops the server (fast shutdown); once it was seen promoted ({@link #awaitPromoted}), also
         * deletes the WAL staged for its recovery, which it needs no more. Idempotent.
         */
        @Override
        public synchronized void close() {
            if (stopped) {
                return;
            }
            stopped = true;
            if (promoted) {
                removeStagedWal();
            }
            List<String> command = new ArrayList<>();
            if (osUser != null) {
                command.addAll(List.of(ThrowawayServer.runuser().toString(), "-u", osUser, "--"));
            }
            command.addAll(List.of(pgCtl.toString(), "-D", dataDirectory.toString(), "-m", "fast", "-w", "stop"));
            ToolProcess.run(command, Map.of(), Path.of("/"), null, null, timeout);
        }
    }

    /** Settings of a {@link PointInTimeRestore}; each given at most once. */
    public static final class Builder {
        private BackupRepository repository;
        private String backupId;
        private Target target;
        private Path dataDirectory;
        private String osUser;
        private Path binDir;
        private Duration timeout;
        private Boolean verify;

        private Builder() {
        }

        /** The repository holding the base backup and the archived WAL (required). */
        public Builder repository(BackupRepository repository) {
            Arguments.setOnce(this.repository, "repository");
            this.repository = Objects.requireNonNull(repository, "repository");
            return this;
        }

        /** The base backup to start from (required). */
        public Builder backup(String id) {
            Arguments.setOnce(this.backupId, "backup");
            this.backupId = Manifest.requireId(id);
            return this;
        }

        /** Where recovery stops (default: the latest archived WAL). */
        public Builder target(Target target) {
            Arguments.setOnce(this.target, "target");
            this.target = Objects.requireNonNull(target, "target");
            return this;
        }

        /** The new data directory (required): missing or empty; the WAL is staged beside it in {@code <name>.wal}. */
        public Builder dataDirectory(Path dir) {
            Arguments.setOnce(this.dataDirectory, "dataDirectory");
            this.dataDirectory = Objects.requireNonNull(dir, "dataDirectory").toAbsolutePath();
            return this;
        }

        /** The OS user the server runs as when the JVM runs as root (default {@code postgres}). */
        public Builder osUser(String user) {
            Arguments.setOnce(this.osUser, "osUser");
            if (user == null || !user.matches("[a-z_][a-z0-9_-]{0,31}")) {
                throw new IllegalArgumentException("osUser must be an OS user name");
            }
            this.osUser = user;
            return this;
        }

        /** The directory of the PostgreSQL programs (default: searched for). */
        public Builder binDir(Path binDir) {
            Arguments.setOnce(this.binDir, "binDir");
            this.binDir = Objects.requireNonNull(binDir, "binDir");
            return this;
        }

        /** The longest the server may take to start (default 4 h: replaying WAL takes time). */
        public Builder timeout(Duration timeout) {
            Arguments.setOnce(this.timeout, "timeout");
            this.timeout = Arguments.positive(timeout, "timeout");
            return this;
        }

        /**
         * Whether every restored file is checked against the size and SHA-256 in the base backup's
         * {@code backup_manifest} before the server starts (default true: each file is hashed as it
         * is extracted; a file that does not match, one missing or one the manifest does not list
         * stops the restore, naming it).
         */
        public Builder verify(boolean verify) {
            Arguments.setOnce(this.verify, "verify");
            this.verify = verify;
            return this;
        }

        /**
         * The restore.
         *
         * @throws IllegalStateException if the repository, the backup or the data directory is missing
         */
        public PointInTimeRestore build() {
            if (repository == null || backupId == null || dataDirectory == null) {
                throw new IllegalStateException("A point-in-time restore needs a repository, a base backup and a data "
                        + "directory");
            }
            return new PointInTimeRestore(this);
        }
    }
}
