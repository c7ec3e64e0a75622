package dev.infrakit.test.backup;

import dev.infrakit.backup.*;

import dev.infrakit.test.contract.BackupSourceContract;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

/** {@link DirectorySource} against the source contract. */
class DirectorySourceContractTest extends BackupSourceContract {
    @TempDir
    Path temp;

    @Override
    protected BackupSource createSource() throws Exception {
        Path data = Files.createDirectories(temp.resolve("data"));
        Files.writeString(data.resolve("a.txt"), "a\n");
        Files.createDirectories(data.resolve("sub"));
        Files.writeString(data.resolve("sub/b.txt"), "b\n");
        return DirectorySource.builder(data).build();
    }

    @Override
    protected BackupSource createFailingSource() throws Exception {
        Path gone = Files.createDirectories(temp.resolve("gone"));
        BackupSource source = DirectorySource.builder(gone).build();
        Files.delete(gone);
        return source;
    }
}
