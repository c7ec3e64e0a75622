package dev.infrakit.backup;

import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Instant;

/**
 * Run in a child JVM by {@link RepositoryLockIT}: takes the run lock of the repository in
 * {@code args[0]}, starts a backup and writes part of an artifact, prints {@code LOCKED <backup id>}
 * and then waits for its standard input to close (or to be killed).
 */
public final class LockHolderMain {
    private LockHolderMain() {
    }

    public static void main(String[] args) throws Exception {
        LocalBackupRepository repository = LocalBackupRepository.open(Path.of(args[0]));
        RepositoryLock lock = repository.lock("child-run");
        Manifest running = Manifest.start("test:child", BackupKind.HOURLY, Instant.now());
        BackupRepository.Staging staging = repository.begin(running);
        OutputStream out = staging.open("database.dump");
        out.write(new byte[100_000]);
        out.flush();
        System.out.println("LOCKED " + running.id());
        System.out.flush();
        while (System.in.read() != -1) {
            // Wait to be killed.
        }
        out.close();
        staging.close();
        lock.close();
    }
}
