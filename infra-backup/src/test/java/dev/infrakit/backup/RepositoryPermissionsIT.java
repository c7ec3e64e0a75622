package dev.infrakit.backup;

import org.junit.jupiter.api.Test;
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
 * A backup holds the whole database: a child JVM started under {@code umask 000} (the least safe)
 * takes a backup with an off-site copy into repositories it creates, and every directory it made is
 * {@code rwx------} and every file (artifacts, manifests, the lock file) {@code rw-------}.
 */
class RepositoryPermissionsIT {

    @Test
    @Timeout(120)
    void aBackupUnderUmask000IsOwnerOnlyInBothRepositories(@TempDir Path tmp) throws Exception {
        Path local = tmp.resolve("new").resolve("local");
        Path offsite = tmp.resolve("other").resolve("offsite");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder("sh", "-c", "umask 000 && exec \"$0\" \"$@\"", java, "-cp",
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

        for (Path repository : List.of(local, offsite)) {
            assertTrue(Files.exists(repository.resolve(id).resolve("manifest.json")), repository.toString());
            assertTrue(Files.exists(repository.resolve(".lock")), repository.toString());
            assertEquals("rwx------", permissions(repository.getParent()), "a parent created for it");
            assertAllOwnerOnly(repository);
        }
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
