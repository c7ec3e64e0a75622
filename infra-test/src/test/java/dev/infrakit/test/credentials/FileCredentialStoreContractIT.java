package dev.infrakit.test.credentials;

import dev.infrakit.core.ManualClock;
import dev.infrakit.credentials.CredentialStore;
import dev.infrakit.credentials.FileCredentialStore;
import dev.infrakit.credentials.KeyRing;
import dev.infrakit.credentials.MasterKey;
import dev.infrakit.test.contract.CredentialStoreContract;

import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/** The contract for the directory layout: one encrypted file per credential. */
class FileCredentialStoreContractIT extends CredentialStoreContract {
    @TempDir
    Path dir;

    @Override
    protected CredentialStore createStore(ManualClock clock) {
        return FileCredentialStore.directory(dir.resolve("credentials"), KeyRing.of(MasterKey.generate())).clock(clock)
                .build();
    }
}
