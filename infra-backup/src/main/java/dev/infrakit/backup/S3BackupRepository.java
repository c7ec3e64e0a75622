package dev.infrakit.backup;

import dev.infrakit.backup.internal.LogText;
import dev.infrakit.backup.internal.Sha256;
import dev.infrakit.backup.internal.VerifiedInputStream;
import dev.infrakit.core.Arguments;
import dev.infrakit.core.health.HealthCheck;
import dev.infrakit.core.health.HealthResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * A {@link BackupRepository} in an S3 bucket, or any S3-compatible object store (MinIO, Ceph,
 * Garage, S3Proxy, Cloudflare R2, …), through the AWS SDK v2 S3 client (an optional dependency:
 * add {@code software.amazon.awssdk:s3} and {@code software.amazon.awssdk:url-connection-client}).
 * Objects, below the repository's prefix:
 * <pre>
 * &lt;prefix&gt;&lt;id&gt;/manifest.json     a published backup's manifest, written last
 * &lt;prefix&gt;&lt;id&gt;/&lt;artifact&gt;        its artifacts
 * &lt;prefix&gt;.staging/&lt;id&gt;         a backup being written (who writes it, since when)
 * &lt;prefix&gt;.locks/&lt;random&gt;       the run lock's holder and contenders
 * </pre>
 *
 * <p><b>Publishing.</b> An artifact is uploaded while it is written, hashed (SHA-256) and counted
 * on the way, in one request when it is at most a part ({@link Builder#partSize}, 8 MiB by default)
 * and as a multipart upload otherwise, two parts sent at a time while the next is filled: memory is
 * bounded by three parts per open artifact, whatever the artifact's size. A failed upload is aborted, so no orphaned
 * parts are left to pay for. {@link Staging#publish} writes the manifest once every artifact's
 * upload was acknowledged: the manifest is the commit, so a backup is listed only once all its
 * artifacts are stored. A run that crashes leaves a staging record, artifacts without a manifest
 * and perhaps a multipart upload in progress; the next {@link Builder#build()} that finds the lock
 * free deletes them and aborts the uploads (each logged). What counts as a good copy is decided by
 * reading it back ({@link BackupCopier}, {@link BackupRunner}): the SHA-256 of every artifact as
 * read from the store must equal the manifest's.
 *
 * <p><b>Checksums.</b> The SDK's default trailing checksums (CRC32 on every upload) are refused by
 * some S3-compatible servers (S3Proxy 2.6.0 among them): {@link Builder#checksumsWhenRequired}
 * turns them off for such endpoints; integrity then rests on the manifest's SHA-256 and read-back
 * (and, with {@link EncryptedBackupRepository}, on the GCM tags).
 *
 * <p><b>The run lock</b> works on stores without conditional writes: a contender writes its own
 * record under {@code .locks/}, lists them, and holds the lock only if it finds no other; otherwise
 * it removes its record, and either gives up (another holds the lock: the message names it) or
 * tries again after a random pause (others are only contending). Strongly consistent listing (AWS
 * S3 since 2020, and the self-hosted stores) makes two holders impossible. The holder rewrites its
 * record every quarter of {@link Builder#lockExpiry} (five minutes by default); a record not
 * rewritten within that time, as the store's clock stamps it, or left by a process of this host that
 * is gone, is taken over (logged). Clocks of the runs and the store must agree to well within that
 * time.
 *
 * <p><b>Credentials</b> come from {@link Builder#credentials} or the SDK's default chain
 * (environment, system properties, profile files, container and instance roles); they are never
 * logged or shown in messages. Thread-safe.
 */
public final class S3BackupRepository implements BackupRepository {
    /** The default part size of multipart uploads: 8 MiB. */
    public static final int DEFAULT_PART_SIZE = 8 << 20;
    /** The smallest part size S3 accepts: 5 MiB. */
    public static final int MIN_PART_SIZE = 5 << 20;
    /** The largest part size accepted here: 512 MiB (three are held per artifact being written). */
    public static final int MAX_PART_SIZE = 512 << 20;

    private static final Logger LOG = LoggerFactory.getLogger(S3BackupRepository.class);
    private static final String MANIFEST = "manifest.json";
    private static final String STAGING = ".staging/";
    private static final String LOCKS = ".locks/";
    private static final int MAX_MANIFEST_BYTES = 16 << 20;
    private static final int MAX_RECORD_BYTES = 64 << 10;
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    private static final Pattern PREFIX_SEGMENT = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}");
    private static final Pattern REGION = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");
    /** Stagings being written in this JVM ({@code name + "/" + id}): never "leftovers", whoever looks. */
    private static final Set<String> ACTIVE_STAGING = ConcurrentHashMap.newKeySet();
    /** Lock records written by this JVM and not yet removed: never taken for a dead process's. */
    private static final Set<String> LIVE_LOCK_RECORDS = ConcurrentHashMap.newKeySet();
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final S3Client s3;
    private final boolean ownsClient;
    private final String bucket;
    private final String prefix;
    private final String name;
    private final int partSize;
    private final Duration lockExpiry;
    private final Clock clock;
    private final ExecutorService uploads;
    private final ScheduledExecutorService refresher;
    private final Object writes = new Object(); // serialises update and delete in this instance
    private volatile boolean closed;

    private S3BackupRepository(Builder b, S3Client s3, boolean ownsClient) {
        this.s3 = s3;
        this.ownsClient = ownsClient;
        this.bucket = b.bucket;
        this.prefix = b.prefix;
        this.name = "s3://" + b.bucket + "/" + b.prefix;
        this.partSize = b.partSize != null ? b.partSize : DEFAULT_PART_SIZE;
        this.lockExpiry = b.lockExpiry != null ? b.lockExpiry : Duration.ofMinutes(5);
        this.clock = b.clock != null ? b.clock : Clock.systemUTC();
        this.uploads = Executors.newCachedThreadPool(r -> daemon(r, "infrakit-s3-upload-"));
        this.refresher = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "infrakit-s3-lock-"));
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name + THREADS.incrementAndGet());
        t.setDaemon(true);
        return t;
    }

    /** A builder; give it at least a {@linkplain Builder#location location} or a {@linkplain Builder#bucket bucket}. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return name;
    }

    /** The bucket. */
    public String bucket() {
        return bucket;
    }

    /** The prefix of every object of the repository: empty, or ending with {@code /}. */
    public String prefix() {
        return prefix;
    }

    // ------------------------------------------------------------------ reading

    /**
     * {@inheritDoc}
     *
     * <p>One LIST of the prefix, then one GET per backup. A backup without a valid manifest (one
     * being written or deleted, or not a backup) is skipped, logged (WARN) unless it is being
     * written.
     *
     * @throws BackupException if the bucket cannot be listed (unreachable, access denied)
     */
    @Override
    public List<Manifest> list() {
        List<String> ids = new ArrayList<>();
        Set<String> staging = new HashSet<>();
        try {
            for (String id : childNames(prefix)) {
                if (!id.startsWith(".") && isId(id)) {
                    ids.add(id);
                }
            }
            for (S3Object o : objects(prefix + STAGING)) {
                staging.add(o.key().substring(prefix.length() + STAGING.length()));
            }
        } catch (SdkException e) {
            throw failure("Cannot list the backups in " + name, e);
        }
        List<Manifest> backups = new ArrayList<>();
        for (String id : ids) {
            read(id, !staging.contains(id)).ifPresent(backups::add);
        }
        backups.sort(Comparator.comparing(Manifest::started).thenComparing(Manifest::id));
        return backups;
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException if {@code id} is not a valid backup id
     * @throws BackupException if the store cannot be read
     */
    @Override
    public Optional<Manifest> find(String id) {
        Manifest.requireId(id);
        return read(id, false);
    }

    /**
     * The manifest of backup {@code id}, or empty if it has no valid one: logged (WARN) if it is
     * invalid, and if it is missing when {@code warn} (objects below the id, no staging record).
     */
    private Optional<Manifest> read(String id, boolean warn) {
        byte[] json;
        try {
            Optional<byte[]> content = get(key(id, MANIFEST), MAX_MANIFEST_BYTES);
            if (content.isEmpty()) {
                if (warn) {
                    LOG.warn("{}: {} has no {} (not a backup, or one being written or deleted)", name,
                            LogText.of(id), MANIFEST);
                }
                return Optional.empty();
            }
            json = content.get();
        } catch (SdkException e) {
            throw failure("Cannot read backup " + id + " in " + name, e);
        } catch (IOException e) {
            throw new BackupException("Cannot read backup " + id + " in " + name + ": " + e.getMessage(), e);
        }
        if (json.length > MAX_MANIFEST_BYTES) {
            LOG.warn("{}: skipping {}: its {} has more bytes than a manifest can have", name, LogText.of(id), MANIFEST);
            return Optional.empty();
        }
        Manifest manifest;
        try {
            manifest = Manifest.fromJson(new String(json, StandardCharsets.UTF_8));
        } catch (BackupException e) {
            LOG.warn("{}: skipping {}: {}", name, LogText.of(id), LogText.of(e.getMessage()));
            return Optional.empty();
        }
        if (!manifest.id().equals(id)) {
            LOG.warn("{}: skipping {}: its manifest is for backup {}", name, LogText.of(id), LogText.of(manifest.id()));
            return Optional.empty();
        }
        return Optional.of(manifest);
    }

    /**
     * {@inheritDoc}
     *
     * <p>A stream of the object as the store returns it; nothing is cached or checked on the way.
     *
     * @throws IllegalArgumentException if {@code id} or {@code artifact} is not a valid id or name
     * @throws BackupException if the backup or artifact is missing from the manifest, or its object
     *     is gone or cannot be read
     */
    @Override
    public InputStream open(String id, String artifact) throws IOException {
        Artifact.requireName(artifact);
        Manifest manifest = find(id).orElseThrow(() -> new BackupException("No backup " + id + " in " + name));
        manifest.artifact(artifact).orElseThrow(() -> new BackupException("Backup " + id + " in " + name
                + " has no artifact " + artifact));
        try {
            return s3.getObject(r -> r.bucket(bucket).key(key(id, artifact)));
        } catch (SdkException e) {
            if (isNotFound(e)) {
                throw new BackupException("Artifact " + artifact + " of backup " + id + " is missing from " + name
                        + " (its manifest lists it): deleted or lost at rest", e);
            }
            throw failure("Cannot read artifact " + artifact + " of backup " + id + " in " + name, e);
        }
    }

    // ------------------------------------------------------------------ writing

    /**
     * {@inheritDoc}
     *
     * @throws BackupException if a backup with that id is published or being written (in this JVM,
     *     or by a process whose staging record is in the store), or the store cannot be written
     */
    @Override
    public Staging begin(Manifest running) {
        requireOpen();
        String id = running.id();
        String active = name + "/" + id;
        if (!ACTIVE_STAGING.add(active)) {
            throw new BackupException("Backup " + id + " is already being written to " + name);
        }
        boolean begun = false;
        try {
            if (exists(key(id, MANIFEST))) {
                throw new BackupException("Backup " + id + " already exists in " + name);
            }
            Optional<byte[]> record = get(prefix + STAGING + id, MAX_RECORD_BYTES);
            if (record.isPresent()) {
                LockRecord writer = LockRecord.parse(record.get());
                String gone = writer == null ? null : writer.whyStale(false, null, clock.instant(), null);
                if (gone == null) {
                    throw new BackupException("Backup " + id + " is already being written to " + name + " (by "
                            + LockRecord.describe(record.get()) + ", or left by a run that crashed: the next open "
                            + "that finds the lock free removes it)");
                }
                LOG.warn("{}: removing what an earlier attempt at backup {} left ({}: {})", name, LogText.of(id),
                        LogText.of(writer), gone);
                removeStaged(id);
            }
            put(prefix + STAGING + id, LockRecord.of("backup " + id, clock.instant(), false).toJson());
            begun = true;
            return new S3Staging(running, active);
        } catch (SdkException e) {
            throw failure("Cannot start backup " + id + " in " + name, e);
        } catch (IOException e) {
            throw new BackupException("Cannot start backup " + id + " in " + name + ": " + e.getMessage(), e);
        } finally {
            if (!begun) {
                ACTIVE_STAGING.remove(active);
            }
        }
    }

    /**
     * {@inheritDoc} The artifacts cannot change: {@code manifest} must list the stored ones. One PUT
     * replaces the manifest object, which the store does atomically.
     */
    @Override
    public void update(Manifest manifest) {
        String id = manifest.id();
        synchronized (writes) {
            Manifest current = find(id).orElseThrow(() -> new BackupException("No backup " + id + " in " + name
                    + " to update"));
            StagedArtifacts.requireUpdate(name, current, manifest);
            try {
                put(key(id, MANIFEST), manifest.toJson().getBytes(StandardCharsets.UTF_8));
            } catch (SdkException e) {
                throw failure("Cannot update the manifest of backup " + id + " in " + name
                        + " (it keeps its previous manifest)", e);
            }
        }
    }

    /**
     * {@inheritDoc} Deletes the manifest, then every other object below {@code <prefix><id>/}.
     *
     * @throws IllegalArgumentException if {@code id} is not a valid backup id
     */
    @Override
    public void delete(String id) {
        Manifest.requireId(id);
        synchronized (writes) {
            boolean unlisted = false;
            try {
                if (!exists(key(id, MANIFEST))) {
                    throw new BackupException("No backup " + id + " in " + name + " to delete");
                }
                deleteObject(key(id, MANIFEST));
                unlisted = true;
                for (S3Object o : objects(prefix + id + "/")) {
                    deleteObject(o.key());
                }
            } catch (SdkException e) {
                throw failure("Cannot delete backup " + id + " in " + name + (unlisted
                        ? " completely; its manifest is gone, so it is no longer listed" : ""), e);
            }
        }
    }

    /** {@inheritDoc} Always -1: an object store does not tell. */
    @Override
    public long usableSpace() {
        return -1;
    }

    /**
     * {@inheritDoc}
     *
     * <p>See the class comment for how the lock works on an object store. While held, the lock's
     * record is rewritten every quarter of the lock expiry by a daemon thread of this repository.
     *
     * @throws BackupException if another run holds the lock (the message names its pid, host,
     *     purpose and since when), if contenders keep it busy for 30 seconds, or if the store cannot
     *     be written
     */
    @Override
    public RepositoryLock lock(String purpose) {
        Objects.requireNonNull(purpose, "purpose");
        requireOpen();
        return acquire(purpose, Duration.ofSeconds(30));
    }

    /**
     * {@inheritDoc}
     *
     * <p>Each WAL file is one object {@code <prefix>.wal/<name>} with its SHA-256 in the object's
     * metadata ({@code x-amz-meta-sha256}), written in one PUT streamed from the file (a PUT is
     * atomic: readers see the whole object or none). {@link WalArchive#open} checks that SHA-256 at
     * the end of the object, so one altered or truncated in the store fails, naming itself.
     */
    @Override
    public Optional<WalArchive> walArchive() {
        return Optional.of(new S3WalArchive());
    }

    /** The WAL archive below {@code <prefix>.wal/}. */
    private final class S3WalArchive implements WalArchive {
        private static final String WAL = ".wal/";

        @Override
        public WalSegment put(String name, Path file) throws IOException {
            WalArchive.requireName(name);
            Sha256.Digest digest;
            try (InputStream in = Files.newInputStream(file)) {
                digest = Sha256.read(in);
            }
            String key = prefix + WAL + name;
            try {
                Optional<String> present = storedSha256(key);
                if (present.isPresent()) {
                    if (present.get().equals(digest.hex())) {
                        return new WalSegment(name, digest.size(), digest.hex()); // stored before: the same content
                    }
                    if (!name.endsWith(".partial")) {
                        throw new BackupException("WAL file " + name + " is already archived in " + S3BackupRepository.this
                                .name + " with other content (sha256 " + present.get() + ", now " + digest.hex()
                                + "): another server may be archiving into this repository");
                    }
                }
                s3.putObject(r -> r.bucket(bucket).key(key).contentLength(digest.size())
                        .metadata(Map.of("sha256", digest.hex())), RequestBody.fromFile(file));
            } catch (SdkException e) {
                throw new IOException("Cannot archive WAL file " + name + " in " + S3BackupRepository.this.name + ": "
                        + describe(e), e);
            }
            return new WalSegment(name, digest.size(), digest.hex());
        }

        private Optional<String> storedSha256(String key) {
            try {
                return Optional.of(s3.headObject(r -> r.bucket(bucket).key(key)).metadata().getOrDefault("sha256", ""));
            } catch (SdkException e) {
                if (isNotFound(e)) {
                    return Optional.empty();
                }
                throw e;
            }
        }

        @Override
        public List<WalSegment> list() throws IOException {
            List<WalSegment> segments = new ArrayList<>();
            try {
                for (S3Object o : objects(prefix + WAL)) {
                    String name = o.key().substring(prefix.length() + WAL.length());
                    if (WalArchive.NAME.matcher(name).matches()) {
                        segments.add(new WalSegment(name, o.size(), ""));
                    }
                }
            } catch (SdkException e) {
                throw new IOException("Cannot list the WAL archived in " + S3BackupRepository.this.name + ": "
                        + describe(e), e);
            }
            segments.sort(Comparator.comparing(WalSegment::name));
            return segments;
        }

        @Override
        public InputStream open(String name) throws IOException {
            WalArchive.requireName(name);
            try {
                ResponseInputStream<GetObjectResponse> in = s3.getObject(r -> r.bucket(bucket).key(prefix + WAL + name));
                String sha256 = in.response().metadata().getOrDefault("sha256", "");
                return sha256.isEmpty() ? in : new VerifiedInputStream(in, Set.of(sha256), "WAL file " + name + " in "
                        + S3BackupRepository.this.name);
            } catch (SdkException e) {
                if (isNotFound(e)) {
                    throw new BackupException("WAL file " + name + " is not archived in " + S3BackupRepository.this.name, e);
                }
                throw new IOException("Cannot read WAL file " + name + " from " + S3BackupRepository.this.name + ": "
                        + describe(e), e);
            }
        }

        @Override
        public void delete(String name) throws IOException {
            WalArchive.requireName(name);
            try {
                deleteObject(prefix + WAL + name);
            } catch (SdkException e) {
                throw new IOException("Cannot delete WAL file " + name + " from " + S3BackupRepository.this.name + ": "
                        + describe(e), e);
            }
        }

        @Override
        public String toString() {
            return "S3WalArchive[" + S3BackupRepository.this.name + WAL + "]";
        }
    }

    /**
     * A check named {@code backup-repository:s3://<bucket>/<prefix>}, not critical: DOWN when the
     * bucket cannot be reached with the repository's credentials (one HEAD request), else UP.
     */
    @Override
    public Optional<HealthCheck> healthCheck() {
        return Optional.of(HealthCheck.of("backup-repository:" + name, () -> {
            try {
                s3.headBucket(r -> r.bucket(bucket));
                return HealthResult.up().build();
            } catch (SdkException e) {
                return HealthResult.down(describe(e)).build();
            }
        }).critical(false).build());
    }

    /** Stops the repository's threads and closes the S3 client unless it was {@linkplain Builder#client given}. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        uploads.shutdownNow();
        refresher.shutdownNow();
        if (ownsClient) {
            s3.close();
        }
    }

    @Override
    public String toString() {
        return "S3BackupRepository[" + name + "]";
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException(name + " is closed");
        }
    }

    // ------------------------------------------------------------------ crash recovery

    /**
     * If no run holds the lock: deletes what runs that crashed left (staging records and their
     * artifacts, multipart uploads in progress) and aborts them, each logged.
     */
    private void removeLeftovers() {
        RepositoryLock lock;
        try {
            lock = acquire("removing what crashed runs left", Duration.ZERO);
        } catch (BackupException busy) {
            LOG.debug("{}: the lock is taken; leftovers of crashed runs are left for a later open", name);
            return;
        }
        try (lock) {
            // Ids first, staging records second: an id whose objects were seen before its record was
            // found missing is not being written (a run writes its record before any artifact).
            List<String> ids = childNames(prefix);
            abortUploads(prefix, false); // before their objects go: some stores keep parts as hidden objects
            Set<String> recorded = new HashSet<>();
            for (S3Object marker : objects(prefix + STAGING)) {
                String id = marker.key().substring(prefix.length() + STAGING.length());
                recorded.add(id);
                if (!isId(id) || ACTIVE_STAGING.contains(name + "/" + id)) {
                    continue;
                }
                if (exists(key(id, MANIFEST))) {
                    LOG.info("{}: removing the staging record of backup {}, published by a run that stopped before "
                            + "removing it", name, LogText.of(id));
                } else {
                    LOG.warn("{}: removing backup {} of a run that crashed or was killed before publishing; it was "
                            + "never a backup", name, LogText.of(id));
                    for (S3Object o : objects(prefix + id + "/")) {
                        deleteObject(o.key());
                    }
                }
                deleteObject(marker.key());
            }
            for (String id : ids) {
                if (!id.startsWith(".") && isId(id) && !recorded.contains(id) && !ACTIVE_STAGING.contains(name + "/" + id)
                        && !exists(key(id, MANIFEST))) {
                    LOG.warn("{}: removing the objects of {}, which has neither a manifest nor a staging record (left "
                            + "by a run that crashed while discarding it, or by a delete that was cut short)", name,
                            LogText.of(id));
                    for (S3Object o : objects(prefix + id + "/")) {
                        deleteObject(o.key());
                    }
                }
            }
        } catch (SdkException e) {
            LOG.warn("{}: cannot remove what crashed runs left: {}", name, LogText.of(describe(e)), e);
        }
    }

    /** Deletes the objects and aborts the multipart uploads of the unpublished backup {@code id}, then its staging record. */
    private void removeStaged(String id) {
        abortUploads(prefix + id + "/", true);
        for (S3Object o : objects(prefix + id + "/")) {
            deleteObject(o.key());
        }
        deleteObject(prefix + STAGING + id);
    }

    /**
     * Aborts the multipart uploads below {@code below}, each logged; unless {@code all}, not those of
     * backups being written in this JVM.
     */
    private void abortUploads(String below, boolean all) {
        for (MultipartUpload upload : s3.listMultipartUploadsPaginator(r -> r.bucket(bucket).prefix(below)).uploads()) {
            String rest = upload.key().substring(prefix.length());
            int slash = rest.indexOf('/');
            if (!all && slash > 0 && ACTIVE_STAGING.contains(name + "/" + rest.substring(0, slash))) {
                continue;
            }
            LOG.warn("{}: aborting the multipart upload of {} left by a run that crashed, was killed or lost the store",
                    name, LogText.of(upload.key()));
            s3.abortMultipartUpload(r -> r.bucket(bucket).key(upload.key()).uploadId(upload.uploadId()));
        }
    }

    // ------------------------------------------------------------------ the lock

    private S3Lock acquire(String purpose, Duration patience) {
        long deadline = System.nanoTime() + patience.toNanos();
        for (int attempt = 1; ; attempt++) {
            String own = prefix + LOCKS + UUID.randomUUID();
            Instant since = clock.instant();
            List<String> contenders = new ArrayList<>();
            LIVE_LOCK_RECORDS.add(own);
            boolean held = false;
            try {
                put(own, LockRecord.of(purpose, since, false).toJson());
                for (S3Object o : objects(prefix + LOCKS)) {
                    if (o.key().equals(own)) {
                        continue;
                    }
                    Optional<byte[]> content = get(o.key(), MAX_RECORD_BYTES);
                    if (content.isEmpty()) {
                        continue; // released meanwhile
                    }
                    LockRecord other = LockRecord.parse(content.get());
                    String stale = other == null ? null : other.whyStale(LIVE_LOCK_RECORDS.contains(o.key()), o.lastModified(), clock.instant(),
                            lockExpiry);
                    if (stale != null) {
                        LOG.warn("{}: taking over the run lock of {}: {}", name, LogText.of(other), stale);
                        deleteObject(o.key());
                        continue;
                    }
                    if (other != null && other.held) {
                        throw new BackupException("The backup repository " + name + " is locked by " + other
                                + "; try again when that run has finished");
                    }
                    contenders.add(other == null ? o.key() : other.toString());
                }
                if (contenders.isEmpty()) {
                    LockRecord record = LockRecord.of(purpose, since, true);
                    put(own, record.toJson());
                    held = true;
                    return new S3Lock(own, record);
                }
            } catch (SdkException e) {
                throw failure("Cannot take the run lock of " + name, e);
            } catch (IOException e) {
                throw new BackupException("Cannot take the run lock of " + name + ": " + e.getMessage(), e);
            } finally {
                if (!held) {
                    removeRecord(own);
                }
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new BackupException("The backup repository " + name + " is being locked by " + contenders
                        + "; try again when that run has finished");
            }
            try {
                Thread.sleep(ThreadLocalRandom.current().nextLong(5, 20L + 20L * Math.min(attempt, 10)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BackupException("Interrupted while waiting for the run lock of " + name, e);
            }
        }
    }

    private void removeRecord(String key) {
        try {
            deleteObject(key);
        } catch (SdkException e) {
            LOG.warn("{}: cannot remove the lock record {} ({}); it expires after {}", name, LogText.of(key),
                    LogText.of(describe(e)), lockExpiry);
        } finally {
            LIVE_LOCK_RECORDS.remove(key);
        }
    }

    /** A held run lock: its record, rewritten every quarter of the expiry while held. */
    private final class S3Lock implements RepositoryLock {
        private final String key;
        private final LockRecord record;
        private final ScheduledFuture<?> refresh;
        private boolean released; // guarded by this

        S3Lock(String key, LockRecord record) {
            this.key = key;
            this.record = record;
            long every = Math.max(1, lockExpiry.toMillis() / 4);
            this.refresh = refresher.scheduleWithFixedDelay(this::refresh, every, every, TimeUnit.MILLISECONDS);
        }

        private synchronized void refresh() {
            if (released) {
                return;
            }
            try {
                if (!exists(key)) {
                    LOG.error("{}: the run lock of {} was taken over by another run (its record is gone); this run "
                            + "no longer holds it", name, LogText.of(record));
                    refresh.cancel(false);
                    return;
                }
                put(key, record.toJson());
            } catch (SdkException e) {
                LOG.warn("{}: cannot refresh the run lock ({}); another run may take it over after {}", name,
                        LogText.of(describe(e)), lockExpiry);
            }
        }

        @Override
        public String holder() {
            return record.toString();
        }

        @Override
        public synchronized void close() {
            if (released) {
                return;
            }
            released = true;
            refresh.cancel(false);
            removeRecord(key);
        }

        @Override
        public String toString() {
            return "S3Lock[" + name + ", " + record + "]";
        }
    }

    // ------------------------------------------------------------------ staging

    /** One backup being written: its staging record, its uploads and its uploaded artifacts. */
    private final class S3Staging implements Staging {
        private final Manifest running;
        private final String active;
        private final Map<String, Artifact> staged = new LinkedHashMap<>(); // guarded by this
        private final Set<String> names = new HashSet<>(); // guarded by this
        private final Set<String> writing = new TreeSet<>(); // guarded by this
        private boolean finished; // guarded by this

        S3Staging(Manifest running, String active) {
            this.running = running;
            this.active = active;
        }

        @Override
        public synchronized OutputStream open(String artifact) {
            Artifact.requireName(artifact);
            requireUnfinished();
            StagedArtifacts.requireNewArtifact(artifact, MANIFEST, names, running);
            writing.add(artifact);
            return new Upload(this, artifact, key(running.id(), artifact));
        }

        @Override
        public synchronized List<Artifact> artifacts() {
            return List.copyOf(staged.values());
        }

        @Override
        public synchronized Manifest publish(Manifest complete) {
            requireUnfinished();
            StagedArtifacts.requirePublishable(name, running, complete, writing, staged);
            try {
                if (exists(key(running.id(), MANIFEST))) {
                    throw new BackupException("Cannot publish backup " + complete.id() + ": " + name + " already has it");
                }
                put(key(running.id(), MANIFEST), complete.toJson().getBytes(StandardCharsets.UTF_8));
            } catch (SdkException e) {
                throw failure("Cannot publish backup " + complete.id() + " to " + name + " (nothing was published)", e);
            }
            finish();
            return complete;
        }

        @Override
        public synchronized void fail(Manifest failed) {
            requireUnfinished();
            StagedArtifacts.requireFailed(running, failed);
            try {
                discardArtifacts();
                staged.clear();
                put(key(running.id(), MANIFEST), failed.toJson().getBytes(StandardCharsets.UTF_8));
            } catch (SdkException e) {
                throw failure("Cannot record backup " + failed.id() + " as failed in " + name, e);
            }
            finish();
        }

        /**
         * Deletes the uploaded artifacts; uploads still open see the staging finished and abort
         * instead of completing (one completing meanwhile is deleted by {@link #ended}).
         */
        private void discardArtifacts() {
            finished = true; // uploads still open notice it, abort and never complete
            for (String artifact : names) {
                deleteObject(key(running.id(), artifact));
            }
        }

        private void finish() {
            finished = true;
            try {
                deleteObject(prefix + STAGING + running.id());
            } catch (SdkException e) {
                LOG.warn("{}: cannot remove the staging record of backup {} ({}); the next open removes it", name,
                        running.id(), LogText.of(describe(e)));
            } finally {
                ACTIVE_STAGING.remove(active);
            }
        }

        @Override
        public synchronized void close() {
            if (finished) {
                return;
            }
            try {
                discardArtifacts();
            } catch (SdkException e) {
                LOG.warn("{}: cannot discard the artifacts of backup {} ({}); the next open removes them", name,
                        running.id(), LogText.of(describe(e)));
            }
            finish();
        }

        private void requireUnfinished() {
            if (finished) {
                throw new IllegalStateException("Backup " + running.id() + " was already published, failed or "
                        + "discarded");
            }
        }

        /** An upload ended: record its artifact if it succeeded, or delete it if the staging is finished. */
        private synchronized void ended(String artifact, Artifact written) {
            writing.remove(artifact);
            if (written == null) {
                return;
            }
            if (!finished) {
                staged.put(artifact, written);
                return;
            }
            try {
                deleteObject(key(running.id(), artifact));
            } catch (SdkException e) {
                LOG.warn("{}: cannot delete artifact {} of discarded backup {} ({}); the next open removes it", name,
                        LogText.of(artifact), running.id(), LogText.of(describe(e)));
            }
        }

        private synchronized boolean isFinished() {
            return finished;
        }
    }

    /**
     * An artifact's upload: hashes and counts what is written, buffers up to a part, and sends each
     * full part on a repository thread while the next is filled, at most {@value #IN_FLIGHT} parts in
     * flight (so at most three part buffers per artifact). Closing it sends the rest: one PUT if it
     * never filled a part, else the last part and the completion. A write or upload that failed aborts
     * the multipart upload and fails the close. Not thread-safe.
     */
    private final class Upload extends OutputStream {
        private static final int IN_FLIGHT = 2;
        private final S3Staging staging;
        private final String artifact;
        private final String key;
        private final MessageDigest digest = Sha256.newDigest();
        private byte[] buffer = new byte[64 << 10];
        private final ArrayDeque<byte[]> free = new ArrayDeque<>();
        private int filled;
        private long size;
        private String uploadId; // once a multipart upload is started
        private int sent; // parts handed to an upload thread
        private final List<CompletedPart> parts = new ArrayList<>();
        private final ArrayDeque<Pending> inFlight = new ArrayDeque<>();
        private IOException broken;
        private boolean closed;

        Upload(S3Staging staging, String artifact, String key) {
            this.staging = staging;
            this.artifact = artifact;
            this.key = key;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (closed) {
                throw new IOException("The stream of artifact " + artifact + " is closed");
            }
            if (broken != null) {
                throw new IOException("The upload of artifact " + artifact + " to " + name + " failed", broken);
            }
            digest.update(b, off, len);
            size += len;
            while (len > 0) {
                if (filled == buffer.length) {
                    if (buffer.length < partSize) {
                        byte[] larger = new byte[(int) Math.min(partSize, 2L * buffer.length)];
                        System.arraycopy(buffer, 0, larger, 0, filled);
                        buffer = larger;
                    } else {
                        sendPart();
                    }
                }
                int n = Math.min(len, buffer.length - filled);
                System.arraycopy(b, off, buffer, filled, n);
                filled += n;
                off += n;
                len -= n;
            }
        }

        /** Sends the full buffer as the next part (first waiting for the oldest, if as many as allowed are in flight). */
        private void sendPart() throws IOException {
            if (staging.isFinished()) {
                throw broken(new IOException("backup " + staging.running.id() + " was discarded or failed meanwhile"));
            }
            try {
                if (uploadId == null) {
                    uploadId = s3.createMultipartUpload(r -> r.bucket(bucket).key(key)).uploadId();
                }
                if (inFlight.size() == IN_FLIGHT) {
                    awaitOldest();
                }
                byte[] part = buffer;
                int length = filled;
                int number = ++sent;
                String id = uploadId;
                Future<CompletedPart> upload = uploads.submit(() -> {
                    String etag = s3.uploadPart(r -> r.bucket(bucket).key(key).uploadId(id).partNumber(number)
                            .contentLength((long) length), body(part, length)).eTag();
                    return CompletedPart.builder().partNumber(number).eTag(etag).build();
                });
                inFlight.add(new Pending(upload, part));
                buffer = free.isEmpty() ? new byte[partSize] : free.pop();
                filled = 0;
            } catch (SdkException e) {
                throw broken(e);
            }
        }

        /** Waits for the oldest part in flight, records it and keeps its buffer for reuse. */
        private void awaitOldest() throws IOException {
            Pending oldest = inFlight.poll();
            try {
                parts.add(oldest.upload.get());
                free.push(oldest.buffer);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw broken(new InterruptedIOException("Interrupted while uploading artifact " + artifact));
            } catch (ExecutionException e) {
                throw broken(e.getCause());
            }
        }

        private IOException broken(Throwable cause) {
            String message = "Cannot upload artifact " + artifact + " to " + name + ": "
                    + (cause instanceof SdkException ? describe((SdkException) cause) : String.valueOf(cause.getMessage()));
            IOException e = new IOException(message, cause);
            if (broken == null) {
                broken = e;
            }
            abort();
            return e;
        }

        /** Aborts the multipart upload, if one was started (waiting for the parts in flight first). */
        void abort() {
            for (Pending pending = inFlight.poll(); pending != null; pending = inFlight.poll()) {
                try {
                    pending.upload.get(60, TimeUnit.SECONDS);
                } catch (Exception e) {
                    // It failed or hangs; the abort below discards whatever it stored.
                }
            }
            String id = uploadId;
            uploadId = null;
            if (id != null) {
                try {
                    s3.abortMultipartUpload(r -> r.bucket(bucket).key(key).uploadId(id));
                } catch (SdkException e) {
                    LOG.warn("{}: cannot abort the multipart upload of artifact {} ({}); the next open that finds the "
                            + "lock free aborts it", name, LogText.of(artifact), LogText.of(describe(e)));
                }
            }
        }

        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            Artifact written = null;
            try {
                if (broken != null) {
                    throw new IOException("The upload of artifact " + artifact + " to " + name + " failed", broken);
                }
                if (staging.isFinished()) {
                    abort(); // discarded or failed meanwhile: nothing is completed
                    return;
                }
                try {
                    if (uploadId == null) {
                        byte[] part = buffer;
                        int length = filled;
                        s3.putObject(r -> r.bucket(bucket).key(key).contentLength((long) length), body(part, length));
                    } else {
                        if (filled > 0) {
                            sendPart();
                        }
                        while (!inFlight.isEmpty()) {
                            awaitOldest();
                        }
                        List<CompletedPart> all = List.copyOf(parts);
                        String id = uploadId;
                        s3.completeMultipartUpload(r -> r.bucket(bucket).key(key).uploadId(id)
                                .multipartUpload(m -> m.parts(all)));
                        uploadId = null;
                    }
                } catch (SdkException e) {
                    throw broken(e);
                }
                written = new Artifact(artifact, size, Sha256.hex(digest));
            } finally {
                buffer = null;
                free.clear();
                staging.ended(artifact, written);
            }
        }
    }

    /** A part being uploaded, and its buffer. */
    private static final class Pending {
        final Future<CompletedPart> upload;
        final byte[] buffer;

        Pending(Future<CompletedPart> upload, byte[] buffer) {
            this.upload = upload;
            this.buffer = buffer;
        }
    }

    private static RequestBody body(byte[] bytes, int length) {
        return RequestBody.fromContentProvider(() -> new ByteArrayInputStream(bytes, 0, length), length,
                "application/octet-stream");
    }

    // ------------------------------------------------------------------ store operations

    private String key(String id, String file) {
        return prefix + id + "/" + file;
    }

    private static boolean isId(String id) {
        try {
            Manifest.requireId(id);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The names directly below {@code dir} that have objects below them (S3's common prefixes). */
    private List<String> childNames(String dir) {
        List<String> children = new ArrayList<>();
        for (CommonPrefix p : s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(dir).delimiter("/"))
                .commonPrefixes()) {
            String child = p.prefix().substring(dir.length());
            children.add(child.substring(0, child.length() - 1));
        }
        return children;
    }

    private List<S3Object> objects(String below) {
        List<S3Object> objects = new ArrayList<>();
        s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(below)).contents().forEach(objects::add);
        return objects;
    }

    /** An object's content (at most {@code max} + 1 bytes are read), or empty if there is none. */
    private Optional<byte[]> get(String key, int max) throws IOException {
        try (InputStream in = s3.getObject(r -> r.bucket(bucket).key(key))) {
            return Optional.of(in.readNBytes(max + 1));
        } catch (SdkException e) {
            if (isNotFound(e)) {
                return Optional.empty();
            }
            throw e;
        }
    }

    private boolean exists(String key) {
        try {
            s3.headObject(r -> r.bucket(bucket).key(key));
            return true;
        } catch (SdkException e) {
            if (isNotFound(e)) {
                return false;
            }
            throw e;
        }
    }

    private static boolean isNotFound(SdkException e) {
        return e instanceof NoSuchKeyException || e instanceof SdkServiceException
                && ((SdkServiceException) e).statusCode() == 404;
    }

    private void put(String key, byte[] content) {
        s3.putObject(r -> r.bucket(bucket).key(key).contentLength((long) content.length), body(content, content.length));
    }

    private void deleteObject(String key) {
        s3.deleteObject(r -> r.bucket(bucket).key(key));
    }

    private static BackupException failure(String what, SdkException e) {
        return new BackupException(what + ": " + describe(e), e);
    }

    /** What went wrong, for messages: status and error code, with a hint for credentials; never a secret. */
    static String describe(SdkException e) {
        if (e instanceof SdkServiceException) {
            SdkServiceException s = (SdkServiceException) e;
            String code = e instanceof S3Exception && ((S3Exception) e).awsErrorDetails() != null
                    ? ((S3Exception) e).awsErrorDetails().errorCode() : null;
            String detail = e instanceof S3Exception && ((S3Exception) e).awsErrorDetails() != null
                    ? ((S3Exception) e).awsErrorDetails().errorMessage() : null;
            String text = "HTTP " + s.statusCode() + (code != null ? " " + code : "")
                    + (detail != null ? " (" + detail + ")" : "");
            if (s.statusCode() == 403 || "InvalidAccessKeyId".equals(code) || "SignatureDoesNotMatch".equals(code)) {
                text += ": the store refused the credentials; check the access key, the secret key and the "
                        + "permissions on the bucket";
            }
            return text;
        }
        return String.valueOf(e.getMessage());
    }

    // ------------------------------------------------------------------ lock and staging records

    /** Who holds (or contends for) the lock, or writes a staging: stored as JSON. */
    private static final class LockRecord {
        private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
                new com.fasterxml.jackson.databind.ObjectMapper();
        private static final long PID = ProcessHandle.current().pid();

        final long pid;
        final String host;
        final String purpose;
        final String since;
        final boolean held;

        private LockRecord(long pid, String host, String purpose, String since, boolean held) {
            this.pid = pid;
            this.host = host;
            this.purpose = purpose;
            this.since = since;
            this.held = held;
        }

        static LockRecord of(String purpose, Instant since, boolean held) {
            return new LockRecord(PID, dev.infrakit.backup.internal.RunLock.host(), purpose, since.toString(), held);
        }

        byte[] toJson() {
            try {
                return JSON.writeValueAsBytes(JSON.createObjectNode().put("pid", pid).put("host", host)
                        .put("purpose", purpose).put("since", since).put("state", held ? "held" : "contending"));
            } catch (IOException e) {
                throw new IllegalStateException("Cannot write a lock record", e);
            }
        }

        /** The record, or null if it is not one (torn, foreign). */
        static LockRecord parse(byte[] content) {
            try {
                com.fasterxml.jackson.databind.JsonNode root = JSON.readTree(content);
                if (root == null || !root.path("pid").canConvertToLong()) {
                    return null;
                }
                return new LockRecord(root.get("pid").asLong(), root.path("host").asText("?"),
                        root.path("purpose").asText("?"), root.path("since").asText("?"),
                        "held".equals(root.path("state").asText()));
            } catch (IOException e) {
                return null;
            }
        }

        static String describe(byte[] content) {
            LockRecord record = parse(content);
            return record == null ? "an unknown process" : record.toString();
        }

        /**
         * Why the record is stale, or null if it is live: written more than {@code expiry} before
         * {@code now} (unless {@code expiry} is null), or by a process of this host that is gone.
         *
         * @param live whether this JVM wrote it and still uses it
         */
        String whyStale(boolean live, Instant lastWritten, Instant now, Duration expiry) {
            if (expiry != null && lastWritten != null && now.isAfter(lastWritten.plus(expiry))) {
                return "its record was last written at " + lastWritten + ", more than " + expiry + " ago";
            }
            if (host.equals(dev.infrakit.backup.internal.RunLock.host())) {
                if (pid == PID) {
                    return live ? null
                            : "it names this process, which never wrote it (a process of the same pid that is gone)";
                }
                if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                    return null;
                }
                return "process " + pid + " of this host is gone";
            }
            return null;
        }

        @Override
        public String toString() {
            return "pid " + pid + " on host " + host + " (purpose '" + purpose + "') since " + since;
        }
    }

    // ------------------------------------------------------------------ builder

    /**
     * Settings of an {@link S3BackupRepository}. Each is given at most once (a second call throws
     * {@link IllegalStateException}). Either {@link #client} (an S3 client of your own, which the
     * repository does not close), or the connection settings ({@link #endpoint}, {@link #region},
     * {@link #pathStyle}, {@link #credentials}, {@link #checksumsWhenRequired}) from which it builds
     * one on the JDK's HTTP client.
     */
    public static final class Builder {
        private String bucket;
        private String prefix;
        private URI endpoint;
        private String region;
        private Boolean pathStyle;
        private AwsCredentialsProvider credentials;
        private Boolean checksumsWhenRequired;
        private Integer partSize;
        private S3Client client;
        private Duration lockExpiry;
        private Clock clock;

        private Builder() {
        }

        /**
         * The bucket and prefix as one {@code s3://bucket/prefix} location ({@code s3://bucket} for
         * the whole bucket).
         *
         * @throws IllegalArgumentException if it is not such a location, or its bucket or prefix is invalid
         */
        public Builder location(String location) {
            Objects.requireNonNull(location, "location");
            if (!location.startsWith("s3://")) {
                throw new IllegalArgumentException("An S3 location must look like s3://bucket/prefix, got '"
                        + LogText.of(location) + "'");
            }
            String rest = location.substring("s3://".length());
            int slash = rest.indexOf('/');
            bucket(slash < 0 ? rest : rest.substring(0, slash));
            prefix(slash < 0 ? "" : rest.substring(slash + 1));
            return this;
        }

        /**
         * The bucket (S3's rules: 3 to 63 lower-case letters, digits, dots and hyphens, starting and
         * ending with a letter or digit). It must exist.
         */
        public Builder bucket(String bucket) {
            Arguments.setOnce(this.bucket, "bucket");
            Objects.requireNonNull(bucket, "bucket");
            if (!BUCKET.matcher(bucket).matches()) {
                throw new IllegalArgumentException("Invalid bucket name '" + LogText.of(bucket) + "': use 3 to 63 "
                        + "lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit");
            }
            this.bucket = bucket;
            return this;
        }

        /**
         * The prefix of the repository's objects (default: none, the whole bucket): segments of letters,
         * digits and {@code . _ -} separated by {@code /}, such as {@code backups/orders}; a trailing
         * {@code /} is optional. {@code .} and {@code ..} segments, empty segments and other
         * characters are refused.
         */
        public Builder prefix(String prefix) {
            Arguments.setOnce(this.prefix, "prefix");
            Objects.requireNonNull(prefix, "prefix");
            String p = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
            if (!p.isEmpty()) {
                if (p.length() > 512) {
                    throw new IllegalArgumentException("An S3 prefix can have at most 512 characters, got " + p.length());
                }
                for (String segment : p.split("/", -1)) {
                    if (!PREFIX_SEGMENT.matcher(segment).matches()) {
                        throw new IllegalArgumentException("Invalid S3 prefix '" + LogText.of(prefix) + "': use "
                                + "segments of letters, digits and . _ - (not . or ..) separated by single /");
                    }
                }
            }
            this.prefix = p.isEmpty() ? "" : p + "/";
            return this;
        }

        /**
         * The endpoint of an S3-compatible store ({@code http} or {@code https}, a host, perhaps a port;
         * nothing else): default, AWS S3 for the region.
         */
        public Builder endpoint(URI endpoint) {
            Arguments.setOnce(this.endpoint, "endpoint");
            Objects.requireNonNull(endpoint, "endpoint");
            if (!("http".equals(endpoint.getScheme()) || "https".equals(endpoint.getScheme()))
                    || endpoint.getHost() == null || endpoint.getRawUserInfo() != null || endpoint.getRawQuery() != null
                    || endpoint.getRawFragment() != null
                    || !(endpoint.getRawPath() == null || endpoint.getRawPath().isEmpty() || "/".equals(endpoint.getRawPath()))) {
                throw new IllegalArgumentException("An S3 endpoint is http(s)://host[:port] with nothing else (no "
                        + "user information, path or query: credentials go to credentials())");
            }
            this.endpoint = endpoint;
            return this;
        }

        /**
         * The region ({@code eu-west-1}); default: the SDK's region chain ({@code AWS_REGION}, the
         * profile, instance metadata) without an endpoint, and {@code us-east-1} with one.
         */
        public Builder region(String region) {
            Arguments.setOnce(this.region, "region");
            Objects.requireNonNull(region, "region");
            if (!REGION.matcher(region).matches()) {
                throw new IllegalArgumentException("Invalid region '" + LogText.of(region) + "': use lower-case "
                        + "letters, digits and hyphens, such as eu-west-1");
            }
            this.region = region;
            return this;
        }

        /**
         * Path-style requests ({@code endpoint/bucket/key}) instead of virtual-hosted ones
         * ({@code bucket.endpoint/key}); most self-hosted stores need them. Default: false.
         */
        public Builder pathStyle(boolean pathStyle) {
            Arguments.setOnce(this.pathStyle, "pathStyle");
            this.pathStyle = pathStyle;
            return this;
        }

        /**
         * Static credentials: an access key id and its secret (never logged or shown). Default: the
         * SDK's default credentials chain.
         */
        public Builder credentials(String accessKeyId, String secretAccessKey) {
            Arguments.setOnce(this.credentials, "credentials");
            if (accessKeyId == null || accessKeyId.isBlank() || secretAccessKey == null || secretAccessKey.isEmpty()) {
                throw new IllegalArgumentException("S3 credentials need an access key id and a secret access key");
            }
            this.credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKeyId, secretAccessKey));
            return this;
        }

        /** Credentials from a provider of your own (an assumed role, a vault). */
        public Builder credentialsProvider(AwsCredentialsProvider provider) {
            Arguments.setOnce(this.credentials, "credentials");
            this.credentials = Objects.requireNonNull(provider, "provider");
            return this;
        }

        /**
         * Send and check the SDK's checksums only where the S3 API requires them, not on every
         * request: for S3-compatible servers that refuse the default trailing checksums (S3Proxy 2.6.0,
         * older MinIO and Ceph). Default: false (the SDK's default).
         */
        public Builder checksumsWhenRequired(boolean whenRequired) {
            Arguments.setOnce(this.checksumsWhenRequired, "checksumsWhenRequired");
            this.checksumsWhenRequired = whenRequired;
            return this;
        }

        /**
         * The part size of multipart uploads, {@value #MIN_PART_SIZE} to {@value #MAX_PART_SIZE} bytes
         * (default {@value #DEFAULT_PART_SIZE}); an artifact being written holds at most three. S3 allows
         * 10,000 parts, so the default fits artifacts up to 78 GiB.
         */
        public Builder partSize(int bytes) {
            Arguments.setOnce(this.partSize, "partSize");
            if (bytes < MIN_PART_SIZE || bytes > MAX_PART_SIZE) {
                throw new IllegalArgumentException("partSize must be " + MIN_PART_SIZE + " to " + MAX_PART_SIZE
                        + " bytes, got " + bytes);
            }
            this.partSize = bytes;
            return this;
        }

        /** An S3 client of your own (its HTTP client, retries, proxy); the repository does not close it. */
        public Builder client(S3Client client) {
            Arguments.setOnce(this.client, "client");
            this.client = Objects.requireNonNull(client, "client");
            return this;
        }

        /**
         * How long a run lock's record stays valid without being rewritten (default five minutes, at
         * least ten seconds): after that, another run takes the lock over.
         */
        public Builder lockExpiry(Duration expiry) {
            Arguments.setOnce(this.lockExpiry, "lockExpiry");
            Arguments.positive(expiry, "lockExpiry");
            if (expiry.compareTo(Duration.ofSeconds(10)) < 0) {
                throw new IllegalArgumentException("lockExpiry must be at least 10 seconds, got " + expiry);
            }
            this.lockExpiry = expiry;
            return this;
        }

        /** The clock of lock and staging records (default: the system clock). */
        public Builder clock(Clock clock) {
            Arguments.setOnce(this.clock, "clock");
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Connects, checks that the bucket can be reached with the credentials (one HEAD request), and,
         * if no run holds the lock, removes what crashed runs left (see the class comment).
         *
         * @throws IllegalStateException if no bucket was given, or both a client and connection settings
         * @throws BackupException if the bucket does not exist or cannot be reached (the message says
         *     which, and hints at the credentials when the store refused them)
         */
        public S3BackupRepository build() {
            if (bucket == null) {
                throw new IllegalStateException("An S3 backup repository needs a bucket (location or bucket)");
            }
            if (prefix == null) {
                prefix = "";
            }
            if (client != null && (endpoint != null || region != null || pathStyle != null || credentials != null
                    || checksumsWhenRequired != null)) {
                throw new IllegalStateException("Give either client() or the connection settings (endpoint, region, "
                        + "pathStyle, credentials, checksumsWhenRequired), not both");
            }
            S3Client s3 = client != null ? client : newClient();
            S3BackupRepository repository = new S3BackupRepository(this, s3, client == null);
            try {
                s3.headBucket(r -> r.bucket(bucket));
            } catch (SdkException e) {
                repository.close();
                if (isNotFound(e)) {
                    throw new BackupException("The bucket " + bucket + " of " + repository.name + " does not exist: "
                            + "create it first", e);
                }
                throw failure("Cannot reach the bucket of " + repository.name, e);
            }
            repository.removeLeftovers();
            return repository;
        }

        private S3Client newClient() {
            S3ClientBuilder b = S3Client.builder()
                    .httpClient(UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofSeconds(10))
                            .socketTimeout(Duration.ofSeconds(60)).build())
                    .credentialsProvider(credentials != null ? credentials : DefaultCredentialsProvider.builder().build())
                    .forcePathStyle(Boolean.TRUE.equals(pathStyle));
            if (endpoint != null) {
                b.endpointOverride(endpoint);
            }
            if (region != null) {
                b.region(Region.of(region));
            } else if (endpoint != null) {
                b.region(Region.US_EAST_1);
            }
            if (Boolean.TRUE.equals(checksumsWhenRequired)) {
                b.requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
            }
            try {
                return b.build();
            } catch (SdkException e) {
                throw new IllegalStateException("Cannot create the S3 client: " + e.getMessage()
                        + (region == null && endpoint == null ? " (give region(), or set AWS_REGION)" : ""), e);
            }
        }
    }
}
