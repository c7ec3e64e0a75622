package dev.infrakit.backup;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the repositories' stagings share: comparing a manifest's artifacts with the staged ones. */
final class StagedArtifacts {
    private StagedArtifacts() {
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
