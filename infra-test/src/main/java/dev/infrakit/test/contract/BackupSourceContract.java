package dev.infrakit.test.contract;

import dev.infrakit.backup.Artifact;
import dev.infrakit.backup.ArtifactWriter;
import dev.infrakit.backup.BackupException;
import dev.infrakit.backup.BackupSource;
import dev.infrakit.backup.SourceInfo;
import dev.infrakit.core.health.HealthCheck;
import dev.infrakit.core.health.HealthStatus;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Contract test kit for {@link BackupSource} implementations (a database, a directory), checked
 * through the SPI only:
 * <ul>
 *   <li><b>name</b>: not blank, the same on every call;</li>
 *   <li><b>backup</b>: writes at least one artifact under a valid name, closes every stream it
 *   opened, and returns a {@link SourceInfo}; backing up the same unchanged input twice writes the
 *   same artifact names;</li>
 *   <li><b>failure</b>: a source whose input is gone fails with a {@link BackupException}, never by
 *   returning normally;</li>
 *   <li><b>optional capabilities</b>: {@code healthCheck()} and {@code metrics()} are never null; a
 *   health check the source offers is UP for a working source and not UP for the failing one; a
 *   binder it offers registers meters;</li>
 *   <li><b>close</b>: may be called twice.</li>
 * </ul>
 * Extend it, return a source that can back up from {@link #createSource()} and one whose input is
 * gone (a deleted directory, a server that does not answer) from {@link #createFailingSource()}.
 */
public abstract class BackupSourceContract {
    private final List<BackupSource> created = new ArrayList<>();

    /** For subclasses. */
    protected BackupSourceContract() {
    }

    /** A source whose backup succeeds. */
    protected abstract BackupSource createSource() throws Exception;

    /** A source whose backup must fail, because what it reads is gone or does not answer. */
    protected abstract BackupSource createFailingSource() throws Exception;

    private BackupSource working() throws Exception {
        BackupSource source = createSource();
        created.add(source);
        return source;
    }

    private BackupSource failing() throws Exception {
        BackupSource source = createFailingSource();
        created.add(source);
        return source;
    }

    @AfterEach
    void closeSources() {
        for (BackupSource source : created) {
            source.close();
        }
    }

    /** An {@link ArtifactWriter} that keeps each artifact's bytes in memory and notes which streams were closed. */
    protected static final class RecordingWriter implements ArtifactWriter {
        private final Map<String, ByteArrayOutputStream> artifacts = new LinkedHashMap<>();
        private final List<String> closed = new ArrayList<>();

        /** An empty writer. */
        public RecordingWriter() {
        }

        @Override
        public OutputStream open(String name) throws IOException {
            Artifact.requireName(name);
            if (artifacts.containsKey(name)) {
                throw new IllegalArgumentException("Artifact " + name + " was already written");
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            artifacts.put(name, bytes);
            return new OutputStream() {
                @Override
                public void write(int b) {
                    bytes.write(b);
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    bytes.write(b, off, len);
                }

                @Override
                public void close() {
                    closed.add(name);
                }
            };
        }

        /** The artifacts' names, in the order they were opened. */
        public List<String> names() {
            return new ArrayList<>(artifacts.keySet());
        }

        /** The bytes written to {@code name}. */
        public byte[] bytes(String name) {
            return artifacts.get(name).toByteArray();
        }

        /** The names of the streams that were closed. */
        public List<String> closed() {
            return List.copyOf(closed);
        }
    }

    @Test
    void hasAStableName() throws Exception {
        BackupSource source = working();
        assertNotNull(source.name(), "name()");
        assertFalse(source.name().isBlank(), "name() must say what is backed up");
        assertEquals(source.name(), source.name());
    }

    @Test
    void writesClosedArtifactsAndReportsWhatItRead() throws Exception {
        RecordingWriter out = new RecordingWriter();
        SourceInfo info = working().backup(out);
        assertNotNull(info, "backup() returns what it read");
        assertFalse(out.names().isEmpty(), "a backup writes at least one artifact");
        assertEquals(out.names(), out.closed(), "every artifact stream is closed, once, by the source");
        for (String name : out.names()) {
            assertTrue(out.bytes(name).length > 0, "artifact " + name + " is empty");
        }
    }

    @Test
    void backingUpUnchangedInputTwiceWritesTheSameArtifacts() throws Exception {
        BackupSource source = working();
        RecordingWriter first = new RecordingWriter();
        RecordingWriter second = new RecordingWriter();
        source.backup(first);
        source.backup(second);
        assertEquals(first.names(), second.names());
    }

    @Test
    void aSourceWhoseInputIsGoneFailsWithABackupException() throws Exception {
        BackupSource source = failing();
        RecordingWriter out = new RecordingWriter();
        BackupException e = assertThrows(BackupException.class, () -> source.backup(out));
        assertNotNull(e.getMessage(), "the failure says what went wrong");
    }

    @Test
    void optionalCapabilitiesAreNeverNullAndTellTheTruth() throws Exception {
        BackupSource good = working();
        BackupSource bad = failing();
        assertNotNull(good.healthCheck(), "healthCheck() returns an Optional, never null");
        assertNotNull(good.metrics(), "metrics() returns an Optional, never null");
        if (good.healthCheck().isPresent()) {
            HealthCheck check = good.healthCheck().get();
            assertEquals(HealthStatus.UP, check.check().status(), "a source that can back up is healthy");
            HealthCheck badCheck = bad.healthCheck().orElseThrow(() -> new AssertionError(
                    "a source that offers a health check offers it whatever its state"));
            assertNotEquals(HealthStatus.UP, badCheck.check().status(), "a source that cannot back up is not UP");
        }
        if (good.metrics().isPresent()) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            good.metrics().get().bindTo(registry);
            assertFalse(registry.getMeters().isEmpty(), "a binder the source offers registers meters");
        }
    }

    @Test
    void closeMayBeCalledTwice() throws Exception {
        BackupSource source = createSource();
        source.close();
        source.close();
    }
}
