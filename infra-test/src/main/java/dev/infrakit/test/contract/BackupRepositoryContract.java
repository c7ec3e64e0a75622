package dev.infrakit.test.contract;

import dev.infrakit.backup.Artifact;
import dev.infrakit.backup.BackupException;
import dev.infrakit.backup.BackupKind;
import dev.infrakit.backup.BackupRepository;
import dev.infrakit.backup.BackupStatus;
import dev.infrakit.backup.Manifest;
import dev.infrakit.backup.RepositoryLock;
import dev.infrakit.core.health.HealthCheck;
import dev.infrakit.core.health.HealthStatus;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static dev.infrakit.test.contract.BackupFixtures.INFO;
import static dev.infrakit.test.contract.BackupFixtures.bytes;
import static dev.infrakit.test.contract.BackupFixtures.sha256;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Contract test kit for {@link BackupRepository} implementations (a local directory, an object
 * store), checked through the SPI only:
 * <ul>
 *   <li><b>publish</b>: published artifacts are listed with their sizes and SHA-256 as recorded and
 *   read back byte for byte; a staging area is never listed; a publish whose manifest does not
 *   match the staged artifacts, is RUNNING, belongs to another backup, or comes while an artifact
 *   stream is still open is refused with a {@link BackupException} and publishes nothing;</li>
 *   <li><b>listing</b>: oldest first by recorded start time, never by id;</li>
 *   <li><b>names</b>: ids and artifact names that are not plain names are refused with an
 *   {@link IllegalArgumentException}, an artifact name is used once per backup, and only the
 *   artifacts in a manifest can be opened;</li>
 *   <li><b>failed and abandoned backups</b>: a failed backup is listed with its reason and without
 *   artifacts; a staging closed without publishing is discarded and its id can be used again;
 *   {@code begin} refuses an id that is published or being written;</li>
 *   <li><b>update and delete</b>: update replaces the manifest and refuses changed artifacts, RUNNING
 *   manifests and unknown ids; delete removes a backup and refuses unknown ids;</li>
 *   <li><b>locking</b>: a second lock is refused naming the holder (pid, purpose), a released lock can
 *   be taken again, and of many concurrent callers exactly one gets it.</li>
 * </ul>
 * Extend it, return a fresh, empty repository from {@link #createRepository()} and, if the storage
 * can be opened more than once, another handle on the same storage from {@link #reopen()} (what a
 * second process would see). Not checked here, because they depend on the storage: crash recovery
 * (leftover staging areas, torn manifests) and the takeover of a lock whose holder died; test those
 * in the implementation's own tests.
 *
 * <pre>{@code
 * class S3BackupRepositoryTest extends BackupRepositoryContract {
 *     private final String bucket = freshBucket();
 *
 *     protected BackupRepository createRepository() {
 *         return S3BackupRepository.open(bucket);
 *     }
 *
 *     protected BackupRepository reopen() {
 *         return S3BackupRepository.open(bucket);
 *     }
 * }
 * }</pre>
 *
 * {@link BackupFixtures} writes and publishes backups through the SPI for the implementation's own
 * tests.
 */
public abstract class BackupRepositoryContract {
    private static final Instant T0 = Instant.parse("2026-03-01T03:00:00Z");

    /** The repository under test: a fresh one from {@link #createRepository()} for each test. */
    protected BackupRepository repository;

    private final List<BackupRepository> reopened = new ArrayList<>();

    /** For subclasses. */
    protected BackupRepositoryContract() {
    }

    /** A fresh, empty repository. */
    protected abstract BackupRepository createRepository() throws Exception;

    /**
     * Another handle on the storage of the repository {@link #createRepository()} returned last, as a
     * second process would open it; used by the duplicate-{@code begin} and lock tests. Handles
     * returned here are closed after each test. The default returns {@link #repository} itself: an
     * implementation that can be opened twice should override it.
     */
    protected BackupRepository reopen() throws Exception {
        return repository;
    }

    @BeforeEach
    void createRepositoryUnderTest() throws Exception {
        repository = createRepository();
    }

    @AfterEach
    void closeRepositories() {
        synchronized (reopened) {
            for (BackupRepository handle : reopened) {
                handle.close();
            }
            reopened.clear();
        }
        if (repository != null) {
            repository.close();
        }
    }

    private BackupRepository other() throws Exception {
        BackupRepository handle = reopen();
        if (handle != repository) {
            synchronized (reopened) {
                reopened.add(handle);
            }
        }
        return handle;
    }

    private static Manifest newRunning(Instant started) {
        return Manifest.start("test:db", BackupKind.DAILY, started);
    }

    private static List<String> ids(List<Manifest> manifests) {
        return manifests.stream().map(Manifest::id).collect(Collectors.toList());
    }

    @Test
    void optionalCapabilitiesAreNeverNullAndWorkWhenOffered() throws Exception {
        assertNotNull(repository.healthCheck(), "healthCheck() returns an Optional, never null");
        assertNotNull(repository.metrics(), "metrics() returns an Optional, never null");
        if (repository.healthCheck().isPresent()) {
            HealthCheck check = repository.healthCheck().get();
            assertEquals(HealthStatus.UP, check.check().status(), "a fresh repository is healthy");
        }
        if (repository.metrics().isPresent()) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            repository.metrics().get().bindTo(registry);
            assertFalse(registry.getMeters().isEmpty(), "a binder the repository offers registers meters");
        }
    }

    @Test
    void publishesListsFindsAndReadsBackAsStored() throws Exception {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("database.dump", bytes("dump content"));
        files.put("globals.sql", new byte[0]);
        Manifest published = BackupFixtures.publish(repository, T0, files);

        assertEquals(List.of(new Artifact("database.dump", 12, sha256(bytes("dump content"))),
                new Artifact("globals.sql", 0, sha256(new byte[0]))), published.artifacts());
        assertEquals(BackupStatus.COMPLETE, published.status());
        assertEquals(List.of(published), repository.list());
        assertEquals(published, repository.find(published.id()).orElseThrow());
        assertEquals(List.of(published), other().list(), "another handle on the storage sees it");
        try (InputStream in = repository.open(published.id(), "database.dump")) {
            assertArrayEquals(bytes("dump content"), in.readAllBytes());
        }
        try (InputStream in = repository.open(published.id(), "globals.sql")) {
            assertArrayEquals(new byte[0], in.readAllBytes());
        }
        long space = repository.usableSpace();
        assertTrue(space >= -1, "usable space is a byte count, or -1 when unknown: " + space);
        assertFalse(repository.name() == null || repository.name().isBlank(), "a name for logs and manifests");
    }

    @Test
    void anUnknownIdIsNotFoundAndCannotBeOpened() {
        BackupFixtures.publish(repository, T0, Map.of("a", bytes("a")));
        assertTrue(repository.find("absent").isEmpty());
        assertThrows(BackupException.class, () -> repository.open("absent", "a"));
    }

    @Test
    void listsByRecordedStartTimeNotById() {
        BackupFixtures.publish(repository, BackupFixtures.running("a-newest", T0.plusSeconds(7200)),
                Map.of("x", bytes("3")));
        BackupFixtures.publish(repository, BackupFixtures.running("z-oldest", T0), Map.of("x", bytes("1")));
        BackupFixtures.publish(repository, BackupFixtures.running("m-middle", T0.plusSeconds(3600)),
                Map.of("x", bytes("2")));

        assertEquals(List.of("z-oldest", "m-middle", "a-newest"), ids(repository.list()));
    }

    @Test
    void aStagingIsNeverListedUntilPublished() throws Exception {
        Manifest running = newRunning(T0);
        try (BackupRepository.Staging staging = repository.begin(running)) {
            try (OutputStream out = staging.open("a")) {
                out.write(1);
            }
            assertEquals(List.of(new Artifact("a", 1, sha256(new byte[] {1}))), staging.artifacts());
            assertEquals(List.of(), repository.list(), "a staging is never listed");
            assertTrue(repository.find(running.id()).isEmpty(), "a staging is never found");
            assertEquals(List.of(), other().list(), "nor listed through another handle");
            Manifest published = staging.publish(running.complete(T0, staging.artifacts(), INFO));
            assertEquals(List.of(published), repository.list());
        }
        assertEquals(1, repository.list().size(), "closing a published staging keeps the backup");
    }

    @Test
    void publishRefusesAManifestThatDoesNotMatchTheStagedArtifacts() throws Exception {
        Manifest running = newRunning(T0);
        try (BackupRepository.Staging staging = repository.begin(running)) {
            try (OutputStream out = staging.open("database.dump")) {
                out.write(bytes("real"));
            }
            try (OutputStream out = staging.open("extra.bin")) {
                out.write(bytes("extra"));
            }
            Artifact real = staging.artifacts().get(0);
            Artifact extra = staging.artifacts().get(1);
            List<List<Artifact>> wrong = List.of(
                    List.of(new Artifact("database.dump", real.size(), sha256(bytes("fake"))), extra),
                    List.of(new Artifact("database.dump", real.size() + 1, real.sha256()), extra),
                    List.of(real),
                    List.of(real, extra, new Artifact("missing.bin", 0, sha256(new byte[0]))));
            for (List<Artifact> artifacts : wrong) {
                assertThrows(BackupException.class, () -> staging.publish(running.complete(T0, artifacts, INFO)),
                        artifacts.toString());
            }
            assertThrows(BackupException.class, () -> staging.publish(running), "a RUNNING manifest");
            assertThrows(BackupException.class, () -> staging.publish(newRunning(T0)
                    .complete(T0, staging.artifacts(), INFO)), "another backup's manifest");
            assertEquals(List.of(), repository.list(), "nothing was published");
        }
        assertEquals(List.of(), repository.list(), "closing discarded the staging area");
    }

    @Test
    void publishRefusesWhileAnArtifactIsStillBeingWritten() throws Exception {
        Manifest running = newRunning(T0);
        try (BackupRepository.Staging staging = repository.begin(running);
                OutputStream out = staging.open("database.dump")) {
            out.write(bytes("half"));
            assertThrows(BackupException.class, () -> staging.publish(running.complete(T0, List.of(), INFO)));
            assertEquals(List.of(), repository.list(), "nothing was published");
        }
        assertEquals(List.of(), repository.list());
    }

    @Test
    void namesThatAreNotPlainNamesAreRefused() throws Exception {
        Manifest published = BackupFixtures.publish(repository, T0, Map.of("a", bytes("a")));
        for (String name : List.of("../secret", "..", ".", "a/../../secret", "/etc/passwd", ".lock", "", "a\\b")) {
            assertThrows(IllegalArgumentException.class, () -> repository.open(published.id(), name), name);
        }
        for (String id : List.of("..", "../x", ".staging", "a/b")) {
            assertThrows(IllegalArgumentException.class, () -> repository.find(id), id);
            assertThrows(IllegalArgumentException.class, () -> repository.open(id, "a"), id);
            assertThrows(IllegalArgumentException.class, () -> repository.delete(id), id);
        }
        assertThrows(BackupException.class, () -> repository.open(published.id(), "manifest.json"),
                "only artifacts listed in the manifest");
        assertThrows(BackupException.class, () -> repository.open(published.id(), "b"),
                "only artifacts listed in the manifest");
        try (BackupRepository.Staging staging = repository.begin(newRunning(T0))) {
            assertThrows(IllegalArgumentException.class, () -> staging.open("../escape"));
            staging.open("twice").close();
            assertThrows(IllegalArgumentException.class, () -> staging.open("twice"), "a name is used once");
        }
        assertEquals(List.of(published), repository.list());
    }

    @Test
    void aFailedBackupIsListedWithItsReasonAndWithoutArtifacts() throws Exception {
        Manifest running = newRunning(T0);
        Manifest failing = running.failed(T0.plusSeconds(5), "pg_dump exited with 1: connection refused");
        try (BackupRepository.Staging staging = repository.begin(running)) {
            try (OutputStream out = staging.open("database.dump")) {
                out.write(bytes("partial"));
            }
            staging.fail(failing);
        }
        assertEquals(1, repository.list().size());
        Manifest failed = repository.list().get(0);
        assertEquals(failing, failed);
        assertEquals(BackupStatus.FAILED, failed.status());
        assertEquals("pg_dump exited with 1: connection refused", failed.failure().orElseThrow());
        assertEquals(List.of(), failed.artifacts());
        assertEquals(failed, repository.find(running.id()).orElseThrow());
        assertThrows(BackupException.class, () -> repository.open(running.id(), "database.dump"),
                "the staged artifacts were discarded");
    }

    @Test
    void aStagingClosedWithoutPublishingIsDiscardedAndItsIdCanBeUsedAgain() throws Exception {
        Manifest running = newRunning(T0);
        BackupRepository.Staging staging = repository.begin(running);
        try (OutputStream out = staging.open("database.dump")) {
            out.write(bytes("abandoned"));
        }
        OutputStream stillOpen = staging.open("second");
        stillOpen.write(1);
        staging.close();
        stillOpen.close();
        staging.close();
        assertEquals(List.of("database.dump"), staging.artifacts().stream().map(Artifact::name)
                .collect(Collectors.toList()), "the stream closed after the staging area was not recorded");
        assertEquals(List.of(), repository.list());
        assertTrue(repository.find(running.id()).isEmpty());

        Manifest published = BackupFixtures.publish(repository, running, Map.of("a", bytes("a")));
        assertEquals(List.of(published), repository.list());
    }

    @Test
    void beginRefusesAnIdThatIsPublishedOrBeingWritten() throws Exception {
        Manifest published = BackupFixtures.publish(repository, T0, Map.of("a", bytes("a")));
        assertThrows(BackupException.class, () -> repository.begin(published));
        assertThrows(BackupException.class, () -> other().begin(published), "through another handle");
        Manifest running = newRunning(T0);
        try (BackupRepository.Staging staging = repository.begin(running)) {
            assertThrows(BackupException.class, () -> repository.begin(running));
            assertThrows(BackupException.class, () -> other().begin(running), "through another handle");
            assertEquals(List.of(), staging.artifacts());
        }
        assertEquals(List.of(published), repository.list());
    }

    @Test
    void updateReplacesTheManifestAndRefusesChangedArtifactsRunningManifestsAndUnknownIds() throws Exception {
        Manifest published = BackupFixtures.publish(repository, T0, Map.of("a", bytes("a")));
        Manifest verified = published.verified(T0.plusSeconds(120)).keepForever(true);
        repository.update(verified);

        assertEquals(verified, repository.find(published.id()).orElseThrow());
        assertEquals(List.of(verified), repository.list());
        assertEquals(verified, other().find(published.id()).orElseThrow(), "through another handle");
        try (InputStream in = repository.open(published.id(), "a")) {
            assertArrayEquals(bytes("a"), in.readAllBytes(), "the artifacts are kept");
        }

        assertThrows(BackupException.class, () -> repository.update(verified.complete(T0,
                List.of(new Artifact("a", 2, sha256(bytes("ab")))), INFO)), "changed artifacts");
        assertThrows(BackupException.class, () -> repository.update(BackupFixtures.running(published.id(), T0)),
                "a RUNNING manifest (without the stored artifacts)");
        assertThrows(BackupException.class, () -> repository.update(newRunning(T0)),
                "a RUNNING manifest of an unknown backup");
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode root = (com.fasterxml.jackson.databind.node.ObjectNode) json
                .readTree(verified.toJson());
        Manifest runningAgain = Manifest.fromJson(root.put("status", "RUNNING").toString());
        assertEquals(verified.artifacts(), runningAgain.artifacts());
        assertThrows(BackupException.class, () -> repository.update(runningAgain),
                "a RUNNING manifest, even with the stored artifacts");
        assertThrows(BackupException.class, () -> repository.update(newRunning(T0)
                .complete(T0, published.artifacts(), INFO)), "an unknown id");
        assertEquals(verified, repository.find(published.id()).orElseThrow(), "refused updates changed nothing");
        assertEquals(List.of(verified), repository.list());
    }

    @Test
    void deleteRemovesTheBackupAndRefusesAnUnknownId() throws Exception {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("a", bytes("a"));
        files.put("b", bytes("b"));
        Manifest first = BackupFixtures.publish(repository, T0, files);
        Manifest second = BackupFixtures.publish(repository, T0.plusSeconds(60), Map.of("a", bytes("a")));
        repository.delete(first.id());

        assertEquals(List.of(second), repository.list());
        assertTrue(repository.find(first.id()).isEmpty());
        assertEquals(List.of(second), other().list(), "through another handle");
        assertThrows(BackupException.class, () -> repository.delete(first.id()));
        assertThrows(BackupException.class, () -> repository.delete("absent"));
        assertThrows(BackupException.class, () -> repository.open(first.id(), "a"));
        assertThrows(BackupException.class, () -> repository.update(first));
        try (InputStream in = repository.open(second.id(), "a")) {
            assertArrayEquals(bytes("a"), in.readAllBytes(), "the other backup is untouched");
        }

        repository.delete(second.id());
        assertEquals(List.of(), repository.list());
    }

    @Test
    void aSecondLockIsRefusedNamingTheHolderAndAReleasedLockIsTakenAgain() throws Exception {
        String pid = Long.toString(ProcessHandle.current().pid());
        RepositoryLock first = repository.lock("nightly backup");
        try {
            assertTrue(first.holder().contains(pid) && first.holder().contains("nightly backup"), first.holder());
            BackupException e = assertThrows(BackupException.class, () -> other().lock("off-site copy"));
            assertTrue(e.getMessage().contains(pid), "names the holder's pid: " + e.getMessage());
            assertTrue(e.getMessage().contains("nightly backup"), "names the holder's purpose: " + e.getMessage());
            assertThrows(BackupException.class, () -> repository.lock("again"), "through the same handle");
        } finally {
            first.close();
        }
        first.close(); // idempotent

        try (RepositoryLock again = repository.lock("again")) {
            assertTrue(again.holder().contains("again"), again.holder());
        }
        try (RepositoryLock elsewhere = other().lock("off-site copy")) {
            assertTrue(elsewhere.holder().contains("off-site copy"), elsewhere.holder());
            assertThrows(BackupException.class, () -> repository.lock("nightly backup"));
        }
    }

    @Test
    void concurrentLockCallsLetExactlyOneRunIn() throws Exception {
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (int round = 0; round < 20; round++) {
                CountDownLatch start = new CountDownLatch(1);
                List<Future<RepositoryLock>> attempts = new ArrayList<>();
                for (int i = 0; i < threads; i++) {
                    BackupRepository own = i % 2 == 0 ? repository : other();
                    attempts.add(pool.submit(() -> {
                        start.await();
                        try {
                            return own.lock("run");
                        } catch (BackupException refused) {
                            return null;
                        }
                    }));
                }
                start.countDown();
                List<RepositoryLock> taken = new ArrayList<>();
                for (Future<RepositoryLock> attempt : attempts) {
                    RepositoryLock lock = attempt.get(30, TimeUnit.SECONDS);
                    if (lock != null) {
                        taken.add(lock);
                    }
                }
                taken.forEach(RepositoryLock::close);
                assertEquals(1, taken.size(), "round " + round);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
