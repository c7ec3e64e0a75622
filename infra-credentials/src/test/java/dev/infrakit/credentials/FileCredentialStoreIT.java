package dev.infrakit.credentials;

import dev.infrakit.core.ManualClock;
import dev.infrakit.credentials.contract.CredentialStoreContract;

import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/** The contract for the directory layout: one encrypted file per credential. */
class FileCredentialStoreIT extends CredentialStoreContract {
    @TempDir
    Path dir;

    @Override
    protected CredentialStore createStore(ManualClock clock) {
        return FileCredentialStore.directory(dir.resolve("credentials"), KeyRing.of(MasterKey.generate())).clock(clock)
                .build();
    }
}
