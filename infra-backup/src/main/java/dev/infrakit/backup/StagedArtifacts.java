package dev.infrakit.backup;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The checks every repository's staging and update make, in one place so that the local, S3 and
 * encrypted repositories refuse the same things with the same messages.
 */
final class StagedArtifacts {
    private StagedArtifacts() {
    }

    /**
     * Checks that {@code artifact} may be opened in the staging of {@code running}: a valid name, not
     * the manifest's, not used before (it is added to {@code names}).
     *
     * @throws IllegalArgumentException if it may not
     */
    static void requireNewArtifact(String artifact, String manifestName, Set<String> names, Manifest running) {
        Artifact.requireName(artifact);
        if (artifact.equals(manifestName)) {
            throw new IllegalArgumentException("'" + manifestName + "' is reserved for the manifest; choose another "
                    + "artifact name");
        }
        if (!names.add(artifact)) {
            throw new IllegalArgumentException("Artifact " + artifact + " was already written in backup " + running.id());
        }
    }

    /**
     * Checks that {@code complete} may be published from the staging of {@code running} into
     * {@code repository}: the same backup, COMPLETE or VERIFIED, no stream still open, and its
     * artifacts the staged ones.
     *
     * @throws BackupException naming what is wrong (nothing is published)
     */
    static void requirePublishable(String repository, Manifest running, Manifest complete, Collection<String> writing,
            Map<String, Artifact> staged) {
        requireSameBackup(running, complete);
        if (complete.status() != BackupStatus.COMPLETE && complete.status() != BackupStatus.VERIFIED) {
            throw new BackupException("Cannot publish backup " + complete.id() + " as " + complete.status()
                    + ": publish a COMPLETE manifest, or use fail()");
        }
        if (!writing.isEmpty()) {
            throw new BackupException("Cannot publish backup " + complete.id() + ": artifacts " + writing
                    + " are still being written (close their streams first)");
        }
        List<String> differences = differences(complete.artifacts(), staged);
        if (!differences.isEmpty()) {
            throw new BackupException("Cannot publish backup " + complete.id() + " to " + repository
                    + ": its manifest does not match the staged artifacts: " + String.join("; ", differences));
        }
    }

    /**
     * Checks that {@code failed} may record the staging of {@code running} as failed.
     *
     * @throws BackupException if it is another backup's or not FAILED
     */
    static void requireFailed(Manifest running, Manifest failed) {
        requireSameBackup(running, failed);
        if (failed.status() != BackupStatus.FAILED) {
            throw new BackupException("Cannot record backup " + failed.id() + " as failed: its manifest is "
                    + failed.status());
        }
    }

    private static void requireSameBackup(Manifest running, Manifest manifest) {
        if (!manifest.id().equals(running.id())) {
            throw new BackupException("This staging area is for backup " + running.id() + ", not " + manifest.id());
        }
    }

    /**
     * Checks that {@code manifest} may replace {@code current}, the stored manifest of a published
     * backup of {@code repository}: not RUNNING, the same artifacts.
     *
     * @throws BackupException if it may not
     */
    static void requireUpdate(String repository, Manifest current, Manifest manifest) {
        String id = manifest.id();
        if (manifest.status() == BackupStatus.RUNNING) {
            throw new BackupException("Cannot update backup " + id + " in " + repository + ": a published backup cannot "
                    + "be RUNNING again");
        }
        if (!current.artifacts().equals(manifest.artifacts())) {
            throw new BackupException("Cannot update backup " + id + " in " + repository + ": an update cannot change "
                    + "its artifacts (stored " + current.artifacts() + ", given " + manifest.artifacts() + ")");
        }
    }

    /**
     * How {@code declared} (a manifest's artifacts) differs from {@code staged} (by name), one line per
     * difference; empty if they are the same.
     */
    static List<String> differences(List<Artifact> declared, Map<String, Artifact> staged) {
        List<String> differences = new ArrayList<>();
        Map<String, Artifact> expected = new LinkedHashMap<>();
        for (Artifact a : declared) {
            if (expected.put(a.name(), a) != null) {
                differences.add(a.name() + " is listed twice");
            }
        }
        for (Artifact a : expected.values()) {
            Artifact s = staged.get(a.name());
            if (s == null) {
                differences.add(a.name() + " was not staged");
            } else if (s.size() != a.size()) {
                differences.add(a.name() + " has " + s.size() + " bytes staged, " + a.size() + " in the manifest");
            } else if (!s.sha256().equals(a.sha256())) {
                differences.add(a.name() + " has sha256 " + s.sha256() + " staged, " + a.sha256() + " in the manifest");
            }
        }
        for (String s : staged.keySet()) {
            if (!expected.containsKey(s)) {
                differences.add(s + " was staged but is not in the manifest");
            }
        }
        return differences;
    }
}
