package dev.infrakit.test.credentials;

import dev.infrakit.core.ManualClock;
import dev.infrakit.credentials.CredentialStore;
import dev.infrakit.credentials.FileCredentialStore;
import dev.infrakit.credentials.KeyRing;
import dev.infrakit.credentials.MasterKey;
import dev.infrakit.test.contract.CredentialStoreContract;

import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/** The contract for the single-file layout: every credential in one encrypted file. */
class SingleFileCredentialStoreContractIT extends CredentialStoreContract {
    @TempDir
    Path dir;

    @Override
    protected CredentialStore createStore(ManualClock clock) {
        return FileCredentialStore.singleFile(dir.resolve("credentials.json"), KeyRing.of(MasterKey.generate()))
                .clock(clock).build();
    }
}
