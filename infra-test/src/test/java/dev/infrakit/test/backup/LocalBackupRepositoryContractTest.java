package dev.infrakit.test.backup;

import dev.infrakit.backup.BackupRepository;
import dev.infrakit.backup.LocalBackupRepository;
import dev.infrakit.test.contract.BackupRepositoryContract;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/** A directory repository against the backup repository contract; a second handle is a second open of the directory. */
class LocalBackupRepositoryContractTest extends BackupRepositoryContract {
    @TempDir
    Path dir;

    @Override
    protected BackupRepository createRepository() {
        return LocalBackupRepository.open(dir);
    }

    @Override
    protected BackupRepository reopen() {
        return LocalBackupRepository.open(dir);
    }
}
