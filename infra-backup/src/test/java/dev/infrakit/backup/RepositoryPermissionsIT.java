package dev.infrakit.backup;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A backup holds the whole database: a child JVM started under {@code umask 000} (the least safe),
 * or under {@code umask 277} (one that narrows too far),
 * takes a backup with an off-site copy into repositories it creates, records a failed backup,
 * updates a manifest and leaves a backup half-written, and every directory it made is
 * {@code rwx------} and every file (artifacts, partial artifacts, manifests, the lock file)
 * {@code rw-------}.
 */
class RepositoryPermissionsIT {

    /**
     * {@code 000} lets everything through that a creation does not restrict itself; {@code 277} narrows
     * what it does restrict below {@code rw-------} (to {@code r--------}), which setting the bits
     * exactly after creation undoes.
     */
    @ParameterizedTest(name = "umask {0}")
    @ValueSource(strings = {"000", "277"})
    @Timeout(120)
    void everyPathARunCreatesIsOwnerOnlyWhateverTheUmask(String umask, @TempDir Path tmp) throws Exception {
        Path local = tmp.resolve("new").resolve("local");
        Path offsite = tmp.resolve("other").resolve("offsite");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder("sh", "-c", "umask " + umask + " && exec \"$0\" \"$@\"", java, "-cp",
                System.getProperty("java.class.path"), OwnerOnlyRunMain.class.getName(), tmp.resolve("source").toString(),
                local.toString(), offsite.toString()).redirectErrorStream(true).start();
        String said;
        try {
            said = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(child.waitFor(60, TimeUnit.SECONDS));
        } finally {
            child.destroyForcibly();
        }
        assertTrue(said.contains("DONE ") && said.contains(" VERIFIED"), said);
        String id = said.substring(said.indexOf("DONE ") + 5).split(" ")[0];

        try (Stream<Path> staged = Files.walk(local.resolve(".staging"))) {
            assertTrue(staged.anyMatch(p -> p.getFileName().toString().equals(".partial.bin.partial")),
                    "the unfinished backup's partial artifact is there to be checked");
        }
        for (Path repository : List.of(local, offsite)) {
            assertTrue(Files.exists(repository.resolve(id).resolve("manifest.json")), repository.toString());
            assertTrue(Files.exists(repository.resolve(".lock")), repository.toString());
            assertEquals("rwx------", permissions(repository.getParent()), "a parent created for it");
            assertAllOwnerOnly(repository);
        }
        // Only now (opening tightens permissions and removes the unfinished staging area):
        assertEquals(2, LocalBackupRepository.open(local).list().size(), "the run's backup and the failed one");
    }

    /** Every directory under {@code root} (and itself) rwx------, every file rw-------. */
    static void assertAllOwnerOnly(Path root) throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.toList()) {
                boolean directory = Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS);
                assertEquals(directory ? "rwx------" : "rw-------", permissions(p), root.relativize(p).toString());
            }
        }
    }

    private static String permissions(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }
}
