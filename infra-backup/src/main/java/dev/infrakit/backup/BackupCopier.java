package dev.infrakit.backup;

import dev.infrakit.backup.internal.Sha256;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Copies backups between repositories (the off-site copy) and verifies stored backups by reading
 * every artifact back and re-hashing it.
 *
 * <p>A copy counts only once it has been read back from the target: {@link #copy} publishes the
 * copy as COMPLETE, re-reads every artifact from the target, and marks it VERIFIED only when every
 * SHA-256 equals the source manifest's. Anything else (corruption in transit or at rest, a short
 * file, an I/O error) deletes the copy from the target, so a bad copy is never mistaken for a good
 * one.
 *
 * <p>Thread-safe (it holds nothing but the clock); callers should hold the target's
 * {@linkplain BackupRepository#lock run lock} while copying.
 */
public final class BackupCopier {
    private static final Logger LOG = LoggerFactory.getLogger(BackupCopier.class);

    private final Clock clock;

    private BackupCopier(Clock clock) {
        this.clock = clock;
    }

    /** A copier that records verification times from the system clock. */
    public static BackupCopier create() {
        return new BackupCopier(Clock.systemUTC());
    }

    /** A copier that records verification times from {@code clock}. */
    public static BackupCopier create(Clock clock) {
        return new BackupCopier(Objects.requireNonNull(clock, "clock"));
    }

    /**
     * Copies {@code backup} from {@code from} to {@code to}, reads the copy back from {@code to}, and
     * returns its manifest marked VERIFIED (also stored in {@code to}). The copy keeps the source's
     * id, times, artifacts, versions, row counts, drill and keep-forever mark.
     *
     * @param backup a COMPLETE or VERIFIED backup of {@code from}
     * @throws BackupException if {@code backup} is not complete, is already in {@code to}, cannot be
     *     read or written, or an artifact read back from {@code to} (or received from {@code from})
     *     does not have the source manifest's size and SHA-256: the message names the artifact and
     *     both hashes, and the copy is deleted from {@code to} (or never published)
     */
    public Manifest copy(Manifest backup, BackupRepository from, BackupRepository to) {
        String id = backup.id();
        if (backup.status() != BackupStatus.COMPLETE && backup.status() != BackupStatus.VERIFIED) {
            throw new BackupException("Cannot copy backup " + id + ": it is " + backup.status()
                    + "; only complete backups are copied");
        }
        if (to.find(id).isPresent()) {
            throw new BackupException("Cannot copy backup " + id + " to " + to.name() + ": it is already there");
        }
        // The copy starts unverified whatever the source's status: it is verified below, by reading it
        // back from the target.
        Manifest copy = backup.complete(backup.ended().orElse(backup.started()), backup.artifacts(),
                new SourceInfo(backup.toolVersion().orElse(null), backup.serverVersion().orElse(null),
                        backup.rowCounts()));
        if (backup.drill().isPresent()) {
            copy = copy.withDrill(backup.drill().get());
        }
        try (BackupRepository.Staging staging = to.begin(copy)) {
            for (Artifact artifact : backup.artifacts()) {
                try (InputStream in = from.open(id, artifact.name());
                        OutputStream out = staging.open(artifact.name())) {
                    in.transferTo(out);
                } catch (IOException e) {
                    throw new BackupException("Cannot copy artifact " + artifact.name() + " of backup " + id + " from "
                            + from.name() + " to " + to.name() + ": " + e, e);
                }
            }
            for (Artifact received : staging.artifacts()) {
                Artifact expected = backup.artifact(received.name()).orElseThrow();
                if (!received.equals(expected)) {
                    throw new BackupException("Copy of backup " + id + " from " + from.name() + " to " + to.name()
                            + " failed: artifact " + expected.name() + " has sha256 " + expected.sha256() + " ("
                            + expected.size() + " bytes) in the source manifest but " + received.sha256() + " ("
                            + received.size() + " bytes) was received; nothing was published");
                }
            }
            staging.publish(copy);
        }
        for (Artifact expected : backup.artifacts()) {
            Sha256.Digest read;
            try (InputStream in = to.open(id, expected.name())) {
                read = Sha256.read(in);
            } catch (IOException | RuntimeException e) {
                throw deleteCopy(to, id, new BackupException("Copy of backup " + id + " to " + to.name() + " failed: "
                        + "artifact " + expected.name() + " cannot be read back: " + e + "; the copy was deleted", e));
            }
            if (read.size() != expected.size() || !read.hex().equals(expected.sha256())) {
                throw deleteCopy(to, id, new BackupException("Copy of backup " + id + " to " + to.name() + " failed "
                        + "verification: artifact " + expected.name() + " has sha256 " + expected.sha256() + " ("
                        + expected.size() + " bytes) in the source manifest but " + read.hex() + " (" + read.size()
                        + " bytes) was read back; the copy was deleted"));
            }
        }
        Manifest verified = copy.verified(clock.instant());
        try {
            to.update(verified);
        } catch (RuntimeException e) {
            throw deleteCopy(to, id, new BackupException("Copy of backup " + id + " to " + to.name() + " was read "
                    + "back but could not be marked verified: " + e.getMessage() + "; the copy was deleted", e));
        }
        LOG.info("Copied backup {} ({} artifacts, {} bytes) from {} to {} and verified it", id,
                backup.artifacts().size(), backup.size(), from.name(), to.name());
        return verified;
    }

    private static BackupException deleteCopy(BackupRepository to, String id, BackupException failure) {
        try {
            to.delete(id);
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        }
        return failure;
    }

    /**
     * Reads every artifact of backup {@code id} back from {@code repository}, re-hashes it and
     * compares its size and SHA-256 with the manifest. Does not change the manifest.
     *
     * @return what is wrong, one line per problem (artifact name, expected and found); empty if
     *     every artifact matches
     * @throws BackupException if there is no such backup
     */
    public List<String> verify(BackupRepository repository, String id) {
        Manifest manifest = repository.find(id).orElseThrow(() -> new BackupException("No backup " + id + " in "
                + repository.name() + " to verify"));
        List<String> problems = new ArrayList<>();
        if (manifest.status() == BackupStatus.FAILED || manifest.status() == BackupStatus.RUNNING) {
            problems.add("backup " + id + " is " + manifest.status() + manifest.failure().map(f -> " (" + f + ")")
                    .orElse("") + "; it has nothing to verify");
            return problems;
        }
        for (Artifact expected : manifest.artifacts()) {
            Sha256.Digest read;
            try (InputStream in = repository.open(id, expected.name())) {
                read = Sha256.read(in);
            } catch (IOException | RuntimeException e) {
                problems.add(expected.name() + ": cannot be read: " + e);
                continue;
            }
            if (read.size() != expected.size()) {
                problems.add(expected.name() + ": " + read.size() + " bytes read, the manifest says " + expected.size()
                        + " (sha256 " + read.hex() + ", the manifest says " + expected.sha256() + ")");
            } else if (!read.hex().equals(expected.sha256())) {
                problems.add(expected.name() + ": sha256 " + read.hex() + ", the manifest says " + expected.sha256());
            }
        }
        return problems;
    }
}
