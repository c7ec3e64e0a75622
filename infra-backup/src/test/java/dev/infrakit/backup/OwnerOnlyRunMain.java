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
        LocalBackupRepository local = LocalBackupRepository.open(Path.of(args[1]));
        // Every other path the repository creates: a failed backup's manifest, an updated manifest,
        // and a staging area still being written (a partial artifact, left in place to be looked at).
        BackupSource failing = new BackupSource() {
            @Override
            public String name() {
                return "failing";
            }

            @Override
            public SourceInfo backup(ArtifactWriter out) {
                throw new BackupException("this source always fails");
            }
        };
        try {
            BackupRunner.builder(failing, local).retention(RetentionPolicy.keepAll()).build().run(BackupKind.MANUAL);
        } catch (BackupException expected) {
            // A FAILED manifest is published.
        }
        local.update(local.find(m.id()).orElseThrow().keepForever(true));
        Manifest unfinished = Manifest.start("unfinished", BackupKind.MANUAL, java.time.Instant.now());
        BackupRepository.Staging staging = local.begin(unfinished);
        staging.open("partial.bin").write(new byte[] {1, 2, 3});
        System.out.println("DONE " + m.id() + " " + m.status());
        System.out.flush();
    }
}
