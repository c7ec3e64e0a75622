package dev.infrakit.test.backup;

import dev.infrakit.backup.BackupKeys;
import dev.infrakit.backup.BackupRepository;
import dev.infrakit.backup.BackupRepositoryProvider;
import dev.infrakit.backup.EncryptedBackupRepository;
import dev.infrakit.backup.S3BackupRepository;
import dev.infrakit.core.Config;
import dev.infrakit.core.ConfigException;
import dev.infrakit.test.BuiltInProviders;
import dev.infrakit.test.contract.ProviderContract;
import dev.infrakit.testkit.EphemeralS3;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code s3} repository provider against the provider contract on S3Proxy, its settings, and
 * {@code infrakit.backup.encryption.key-file} (for either repository provider).
 */
class S3ProviderContractIT extends ProviderContract<BackupRepositoryProvider> {
    private final EphemeralS3 s3 = EphemeralS3.shared();
    private final String bucket = S3Fixtures.newBucket(s3);

    @TempDir
    Path dir;

    @Override
    protected Class<BackupRepositoryProvider> spi() {
        return BackupRepositoryProvider.class;
    }

    @Override
    protected BackupRepositoryProvider provider() {
        return BuiltInProviders.create(BackupRepositoryProvider.class, "dev.infrakit.backup.internal.BuiltInBackupRepositories$S3");
    }

    private Map<String, String> settings() {
        Map<String, String> values = new HashMap<>();
        values.put("infrakit.backup.s3.location", "s3://" + bucket + "/app");
        values.put("infrakit.backup.s3.endpoint", s3.endpoint().toString());
        values.put("infrakit.backup.s3.path-style", "true");
        values.put("infrakit.backup.s3.checksums-when-required", "true");
        values.put("infrakit.backup.s3.access-key-id", s3.accessKey());
        values.put("infrakit.backup.s3.secret-access-key", s3.secretKey());
        return values;
    }

    @Override
    protected Config workingConfig() {
        return Config.of(settings());
    }

    @Test
    void theSettingsReachTheRepository() {
        Map<String, String> values = settings();
        values.put("infrakit.backup.s3.part-size", "16MB");
        values.put("infrakit.backup.s3.lock-expiry", "2m");
        try (BackupRepository repository = provider().create(Config.of(values))) {
            S3BackupRepository s3Repository = assertInstanceOf(S3BackupRepository.class, repository);
            assertEquals(bucket, s3Repository.bucket());
            assertEquals("app/", s3Repository.prefix());
        }
    }

    @Test
    void badSettingsNameTheirKeyAndNeverShowTheSecret() {
        Map<String, String> bad = new HashMap<>();
        bad.put("infrakit.backup.s3.location", "s3://Bad_Bucket/x");
        bad.put("infrakit.backup.s3.endpoint", "ftp://host");
        bad.put("infrakit.backup.s3.region", "EU WEST");
        bad.put("infrakit.backup.s3.part-size", "1MB");
        bad.put("infrakit.backup.s3.lock-expiry", "1s");
        bad.put("infrakit.backup.s3.secret-access-key", "wrong-" + s3.secretKey());
        for (Map.Entry<String, String> e : bad.entrySet()) {
            Map<String, String> values = settings();
            values.put(e.getKey(), e.getValue());
            ConfigException failure = assertThrows(ConfigException.class, () -> provider().create(Config.of(values)),
                    e.getKey());
            String key = e.getKey().endsWith("secret-access-key") ? "infrakit.backup.s3.location" : e.getKey();
            assertEquals(key, failure.key(), e.getKey() + ": " + failure.getMessage());
            assertFalse(failure.getMessage().contains(s3.secretKey()), "the secret is never shown: " + failure.getMessage());
        }
        Map<String, String> half = settings();
        half.remove("infrakit.backup.s3.secret-access-key");
        ConfigException missing = assertThrows(ConfigException.class, () -> provider().create(Config.of(half)));
        assertTrue(missing.getMessage().contains("secret-access-key"), missing.getMessage());
    }

    @Test
    void aKeyFileEncryptsEitherRepository() throws Exception {
        byte[] key = new byte[BackupKeys.KEY_BYTES];
        new SecureRandom().nextBytes(key);
        Path keys = Files.writeString(dir.resolve("backup.keys"), "# current first\n2026-12 "
                + Base64.getEncoder().encodeToString(key) + "\n");
        Files.setPosixFilePermissions(keys, PosixFilePermissions.fromString("rw-------"));
        Map<String, String> values = settings();
        values.put("infrakit.backup.encryption.key-file", keys.toString());
        try (BackupRepository repository = provider().create(Config.of(values))) {
            assertInstanceOf(EncryptedBackupRepository.class, repository);
        }
        BackupRepositoryProvider local = BuiltInProviders.create(BackupRepositoryProvider.class,
                "dev.infrakit.backup.internal.BuiltInBackupRepositories$Local");
        try (BackupRepository repository = local.create(Config.of(Map.of("infrakit.backup.local.dir",
                dir.resolve("local").toString(), "infrakit.backup.encryption.key-file", keys.toString())))) {
            assertInstanceOf(EncryptedBackupRepository.class, repository);
        }
        Files.setPosixFilePermissions(keys, PosixFilePermissions.fromString("rw-r--r--"));
        for (BackupRepositoryProvider p : List.of(provider(), local)) {
            Map<String, String> again = new HashMap<>(values);
            again.put("infrakit.backup.local.dir", dir.resolve("local").toString());
            ConfigException open = assertThrows(ConfigException.class, () -> p.create(Config.of(again)));
            assertTrue(open.getMessage().contains("infrakit.backup.encryption.key-file")
                    && open.getMessage().contains("chmod 600"), open.getMessage());
            assertFalse(open.getMessage().contains(Base64.getEncoder().encodeToString(key)), "the key is never shown");
        }
    }
}
