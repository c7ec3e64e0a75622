package dev.infrakit.test.auth;

import dev.infrakit.auth.ApiKeyStore;
import dev.infrakit.auth.CredentialStoreApiKeyStore;
import dev.infrakit.credentials.FileCredentialStore;
import dev.infrakit.credentials.KeyRing;
import dev.infrakit.credentials.MasterKey;
import dev.infrakit.test.contract.ApiKeyStoreContract;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/** The API key store contract over an encrypted file credential store. */
class CredentialStoreApiKeyStoreContractTest extends ApiKeyStoreContract {
    @TempDir
    Path dir;
    private FileCredentialStore files;

    @Override
    protected ApiKeyStore createStore() {
        files = FileCredentialStore.directory(dir, KeyRing.of(MasterKey.generate())).build();
        return CredentialStoreApiKeyStore.create(files);
    }

    @AfterEach
    void closeFiles() {
        if (files != null) {
            files.close();
        }
    }
}
