package dev.infrakit.backup;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Run in a child JVM by {@link RepositoryPermissionsIT} (under {@code umask 000}): backs the directory
 * {@code args[0]} up into a new repository {@code args[1]} with an off-site copy in {@code args[2]},
 * then prints {@code DONE <backup id>}.
 */
public final class OwnerOnlyRunMain {
    private OwnerOnlyRunMain() {
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        Files.createDirectories(root);
        Files.writeString(root.resolve("data.txt"), "the data");
        BackupRunner runner = BackupRunner.builder(DirectorySource.builder(root).build(),
                LocalBackupRepository.open(Path.of(args[1]))).offsite(LocalBackupRepository.open(Path.of(args[2])))
                .retention(RetentionPolicy.keepAll()).build();
        Manifest m = runner.run(BackupKind.MANUAL);
        System.out.println("DONE " + m.id() + " " + m.status());
        System.out.flush();
    }
}
