package dev.infrakit.test;

import dev.infrakit.backup.ArtifactWriter;
import dev.infrakit.backup.BackupException;
import dev.infrakit.backup.BackupSource;
import dev.infrakit.backup.SourceInfo;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link BackupSource} for tests that writes given bytes as its artifacts, so a
 * {@link dev.infrakit.backup.BackupRunner} (with infra-backup's {@code LocalBackupRepository} in a
 * temporary directory) runs a whole backup without pg_dump or a database; it can be made to fail
 * as a failing dump would.
 *
 * <pre>{@code
 * FakeBackupSource source = FakeBackupSource.of("test:db", Map.of("database.dump", "rows".getBytes(UTF_8)));
 * BackupRunner runner = BackupRunner.builder(source, LocalBackupRepository.open(tempDir)).build();
 * assertEquals(BackupStatus.COMPLETE, runner.run(BackupKind.DAILY).status());
 * }</pre>
 *
 * <p>Thread-safe; the artifacts are copied when the source is created.
 */
public final class FakeBackupSource implements BackupSource {
    /** What every backup of a fake source reports about its tool and server. */
    public static final SourceInfo INFO = new SourceInfo("fake 1.0", "fake 1.0", Map.of());

    private final String name;
    private final Map<String, byte[]> artifacts;
    private final AtomicInteger runs = new AtomicInteger();
    private volatile String failure;

    private FakeBackupSource(String name, Map<String, byte[]> artifacts) {
        this.name = Objects.requireNonNull(name, "name");
        Map<String, byte[]> copy = new LinkedHashMap<>();
        artifacts.forEach((artifact, bytes) -> copy.put(Objects.requireNonNull(artifact, "artifact name"),
                Objects.requireNonNull(bytes, "bytes").clone()));
        this.artifacts = copy;
    }

    /**
     * A source named {@code name} (recorded in the manifest) writing each entry of {@code artifacts}
     * as an artifact, in the map's iteration order.
     */
    public static FakeBackupSource of(String name, Map<String, byte[]> artifacts) {
        return new FakeBackupSource(name, Objects.requireNonNull(artifacts, "artifacts"));
    }

    /** A source named {@code name} writing one artifact, {@code data.txt}, holding {@code content} in UTF-8. */
    public static FakeBackupSource of(String name, String content) {
        return of(name, Map.of("data.txt", content.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * Makes every later backup fail with a {@link BackupException} carrying {@code message} after it
     * has written its first artifact, as a dump that dies half-way does; {@code null} makes backups
     * succeed again.
     *
     * @return this source
     */
    public FakeBackupSource failWith(String message) {
        this.failure = message;
        return this;
    }

    @Override
    public String name() {
        return name;
    }

    /**
     * Writes the artifacts and reports {@link #INFO}.
     *
     * @throws BackupException if set to fail ({@link #failWith}), or if writing an artifact fails
     */
    @Override
    public SourceInfo backup(ArtifactWriter out) {
        runs.incrementAndGet();
        String failWith = failure;
        boolean first = true;
        for (Map.Entry<String, byte[]> artifact : artifacts.entrySet()) {
            if (failWith != null && !first) {
                break;
            }
            try (OutputStream stream = out.open(artifact.getKey())) {
                stream.write(artifact.getValue());
            } catch (IOException e) {
                throw new BackupException("Writing artifact '" + artifact.getKey() + "' of " + name + " failed: "
                        + e.getMessage(), e);
            }
            first = false;
        }
        if (failWith != null) {
            throw new BackupException(failWith);
        }
        return INFO;
    }

    /** How many backups were started, including failed ones. */
    public int runs() {
        return runs.get();
    }

    @Override
    public String toString() {
        return "FakeBackupSource[" + name + ", " + artifacts.keySet() + "]";
    }
}
