package dev.infrakit.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A warm-up's throwaway directory outlives a process killed during the warm-up; the next warm-up deletes it,
 * and only it: never one a running warm-up holds, one just being created, one of another name, or what a
 * link points to.
 */
class WarmUpDirectoriesIT {
    private static final Path JAR = Paths.get("target", "infrakit-examples.jar");

    private static List<Path> warmUpDirectories(Path temp) throws Exception {
        try (Stream<Path> all = Files.list(temp)) {
            return all.filter(p -> p.getFileName().toString().startsWith(DemoWarmUp.PREFIX)).toList();
        }
    }

    @Test
    void theDirectoryOfAServiceKilledDuringItsWarmUpIsDeletedByTheNextWarmUp(@TempDir Path temp, @TempDir Path data)
            throws Exception {
        assertTrue(Files.isRegularFile(JAR), JAR.toAbsolutePath() + " is missing: run ./mvnw package first");
        List<String> command = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Djava.io.tmpdir=" + temp, "-jar", JAR.toString(), "serve", "--port", "0",
                "--data-dir", data.toString(), "--password-iterations", "1000", "--warm-up", "60s"));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put("INFRAKIT_ADMIN_PASSWORD", "admin-password-42");
        Process serve = builder.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            List<Path> dirs = warmUpDirectories(temp);
            while (dirs.isEmpty() || !Files.exists(dirs.get(0).resolve(DataDirectoryLock.FILE))) {
                assertTrue(serve.isAlive(), "serve exited");
                assertTrue(System.nanoTime() < deadline, "no warm-up directory with its lock within 60 s");
                Thread.sleep(50);
                dirs = warmUpDirectories(temp);
            }
            Thread.sleep(1000); // the throwaway instance is serving its warm-up requests
            DemoWarmUp.removeAbandoned(temp);
            assertTrue(Files.isDirectory(dirs.get(0)), "a running warm-up's directory is left alone");
            serve.destroyForcibly(); // SIGKILL: no shutdown hook, no cleanup
            assertTrue(serve.waitFor(30, TimeUnit.SECONDS));
            assertTrue(Files.isDirectory(dirs.get(0)), "the kill left it behind");
            DemoWarmUp.removeAbandoned(temp);
            assertFalse(Files.exists(dirs.get(0)), "the next warm-up deletes it");
        } finally {
            serve.destroyForcibly();
        }
    }

    @Test
    void onlyAbandonedWarmUpDirectoriesAreDeleted(@TempDir Path temp, @TempDir Path elsewhere) throws Exception {
        Path dead = Files.createDirectories(temp.resolve(DemoWarmUp.PREFIX + "dead"));
        Files.writeString(dead.resolve(DataDirectoryLock.FILE), "");
        Files.createDirectories(dead.resolve("audit"));
        Files.writeString(dead.resolve("audit").resolve("audit.log"), "{}\n");
        Path held = Files.createDirectories(temp.resolve(DemoWarmUp.PREFIX + "held"));
        Path fresh = Files.createDirectories(temp.resolve(DemoWarmUp.PREFIX + "fresh"));
        Path old = Files.createDirectories(temp.resolve(DemoWarmUp.PREFIX + "old"));
        Files.setLastModifiedTime(old, FileTime.from(Instant.now().minus(Duration.ofMinutes(11))));
        Path unrelated = Files.createDirectories(temp.resolve("not-a-warm-up"));
        Files.writeString(unrelated.resolve(DataDirectoryLock.FILE), "");
        Path target = Files.createDirectories(elsewhere.resolve("target"));
        Files.writeString(target.resolve(DataDirectoryLock.FILE), "");
        Path link = Files.createSymbolicLink(temp.resolve(DemoWarmUp.PREFIX + "link"), target);
        DataDirectoryLock lock = DataDirectoryLock.acquire(held);
        try {
            DemoWarmUp.removeAbandoned(temp);
            assertFalse(Files.exists(dead), "its lock was free: its process is gone");
            assertFalse(Files.exists(old), "no lock and older than a warm-up lasts");
            assertTrue(Files.isDirectory(held), "held: a running warm-up");
            assertTrue(Files.isDirectory(fresh), "no lock yet, but new: a warm-up starting");
            assertTrue(Files.isDirectory(unrelated), "another name");
            assertTrue(Files.isSymbolicLink(link) && Files.exists(target.resolve(DataDirectoryLock.FILE)),
                    "a link is not followed");
        } finally {
            lock.close();
        }
    }
}
