package dev.infrakit.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.infrakit.credentials.FileCredentialStore;
import dev.infrakit.credentials.KeyRing;
import dev.infrakit.credentials.MasterKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * API keys kept in the encrypted file store, against an attacker who can write the store's files
 * but has no master key: an older authentic copy of a revoked key's record put back does not bring
 * the key back.
 */
class FileStoreApiKeyRollbackIT {
    @TempDir
    Path dir;

    private final MasterKey key = MasterKey.generate();

    private FileCredentialStore store() {
        return FileCredentialStore.directory(dir, KeyRing.of(key)).build();
    }

    /** The file in the store's directory holding {@code name}: the only one naming it. */
    private static Path fileOf(FileCredentialStore store, String name) throws Exception {
        List<Path> found = new ArrayList<>();
        try (var files = Files.list(store.location())) {
            for (Path p : files.filter(p -> p.getFileName().toString().endsWith(".json")).collect(Collectors.toList())) {
                if (Files.readString(p).contains("\"name\" : \"" + name + "\"")) {
                    found.add(p);
                }
            }
        }
        assertEquals(1, found.size(), "one file for " + name);
        return found.get(0);
    }

    @Test
    void aRolledBackApiKeyRecordIsRefusedAndRevokingItAgainDeletesIt() throws Exception {
        try (FileCredentialStore store = store()) {
            ApiKeys keys = ApiKeys.builder(CredentialStoreApiKeyStore.create(store)).build();
            Principal alice = new Principal("alice",
                    java.util.Set.of("user"), Principal.Method.PASSWORD, null, null,
                    Map.of());
            NewApiKey key = keys.create(new ApiKeys.Caller(alice, "127.0.0.1", null), "ci", Duration.ofDays(1));
            NewApiKey other = keys.create(new ApiKeys.Caller(alice, "127.0.0.1", null), "other", Duration.ofDays(1));
            Path file = fileOf(store, "apikeys/" + key.keyId());
            byte[] live = Files.readAllBytes(file);
            assertTrue(keys.revoke(new ApiKeys.Caller(alice, "127.0.0.1", null), key.keyId()));
            assertEquals(AuthResult.Failure.REVOKED, keys.verify(key.key()).failure().orElseThrow());

            Files.write(file, live);
            AuthResult replayed = keys.verify(key.key());
            assertFalse(replayed.ok(), "the revocation stands");
            assertEquals(AuthResult.Failure.UNKNOWN_KEY, replayed.failure().orElseThrow());
            assertTrue(replayed.detail().contains("failed its integrity check"), replayed.detail());
            assertTrue(keys.verify(other.key()).ok(), "other keys unaffected");
            assertEquals(List.of(other.keyId()), keys.list(new ApiKeys.Caller(alice, "127.0.0.1", null), null).stream()
                    .map(ApiKeyRecord::keyId).collect(Collectors.toList()), "listing works, without the bad record");

            ApiKeyRefusedException refused = assertThrows(
                    ApiKeyRefusedException.class,
                    () -> keys.revoke(new ApiKeys.Caller(alice, "127.0.0.1", null), key.keyId()));
            assertTrue(refused.getMessage().contains("cannot be trusted"), "its owner is unknown: " + refused.getMessage());
            Principal admin = new Principal("root",
                    java.util.Set.of("admin"), Principal.Method.PASSWORD, null, null,
                    Map.of());
            assertTrue(keys.revoke(new ApiKeys.Caller(admin, "127.0.0.1", null), key.keyId()),
                    "an admin's revocation removes the untrusted record");
            assertFalse(Files.exists(file));
            assertEquals(AuthResult.Failure.UNKNOWN_KEY, keys.verify(key.key()).failure().orElseThrow());
        }
    }

}
