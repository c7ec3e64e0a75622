package dev.infrakit.backup.internal;

import dev.infrakit.backup.BackupException;
import dev.infrakit.backup.BackupKeys;
import dev.infrakit.backup.BackupRepository;
import dev.infrakit.backup.BackupRepositoryProvider;
import dev.infrakit.backup.EncryptedBackupRepository;
import dev.infrakit.backup.LocalBackupRepository;
import dev.infrakit.core.Config;
import dev.infrakit.core.ConfigException;

import java.nio.file.Files;
import java.nio.file.Path;

import static dev.infrakit.backup.internal.ProviderSettings.path;

/**
 * The {@link BackupRepositoryProvider}s infra-backup registers with ServiceLoader. A bad setting
 * fails at creation with a {@link ConfigException} naming its key.
 */
public final class BuiltInBackupRepositories {
    private BuiltInBackupRepositories() {
    }

    /**
     * {@code local}: {@link LocalBackupRepository} in {@code infrakit.backup.local.dir}, created if
     * it does not exist. Either repository is encrypted ({@link EncryptedBackupRepository}) with the
     * keys of {@code infrakit.backup.encryption.key-file} when it is set.
     */
    public static final class Local implements BackupRepositoryProvider {
        @Override
        public String name() {
            return "local";
        }

        @Override
        public String description() {
            return "Backups in a local (or mounted) directory, published atomically, with a run lock";
        }

        @Override
        public BackupRepository create(Config config) {
            Config c = config.section("infrakit.backup.local");
            Path dir = path(c, "dir");
            if (Files.exists(dir) && !Files.isDirectory(dir)) {
                throw c.invalid("dir", "expected a directory, but it is a file");
            }
            BackupKeys keys = keys(config);
            LocalBackupRepository repository;
            try {
                repository = LocalBackupRepository.open(dir);
            } catch (BackupException e) {
                ConfigException problem = c.invalid("dir", "expected a directory that can be created and read ("
                        + e.getMessage() + ")");
                problem.initCause(e);
                throw problem;
            }
            return encrypted(repository, keys);
        }
    }

    /**
     * {@code s3}: {@link dev.infrakit.backup.S3BackupRepository} at {@code infrakit.backup.s3.location}
     * ({@code s3://bucket/prefix}, required), with {@code .endpoint}, {@code .region},
     * {@code .path-style} (false), {@code .checksums-when-required} (false), {@code .part-size}
     * (8MB), {@code .lock-expiry} (5m), and {@code .access-key-id} with {@code .secret-access-key}
     * (both, or neither for the AWS SDK's default chain). Needs {@code software.amazon.awssdk:s3} and
     * {@code url-connection-client} on the class path.
     */
    public static final class S3 implements BackupRepositoryProvider {
        @Override
        public String name() {
            return "s3";
        }

        @Override
        public String description() {
            return "Backups in S3 or an S3-compatible store, manifest written last, multipart uploads aborted on failure";
        }

        @Override
        public BackupRepository create(Config config) {
            Config c = config.section("infrakit.backup.s3");
            try {
                Class.forName("software.amazon.awssdk.services.s3.S3Client", false, S3.class.getClassLoader());
                Class.forName("software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient", false,
                        S3.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new ConfigException("infrakit.backup.repository", "the s3 repository needs the AWS SDK's S3 client "
                        + "on the class path: add software.amazon.awssdk:s3 and software.amazon.awssdk:url-connection-client",
                        e);
            }
            BackupKeys keys = keys(config);
            return encrypted(S3Settings.open(c), keys);
        }
    }

    /** The keys of {@code infrakit.backup.encryption.key-file}, or null when it is not set. */
    private static BackupKeys keys(Config config) {
        Config e = config.section("infrakit.backup.encryption");
        if (!e.has("key-file")) {
            return null;
        }
        Path file = path(e, "key-file");
        try {
            return BackupKeys.fromFile(file);
        } catch (IllegalArgumentException failure) {
            ConfigException problem = e.invalid("key-file", "expected an owner-only file of backup keys, one "
                    + "'<id> <base64 of 32 bytes>' per line (" + failure.getMessage() + ")");
            problem.initCause(failure);
            throw problem;
        }
    }

    private static BackupRepository encrypted(BackupRepository repository, BackupKeys keys) {
        return keys == null ? repository : EncryptedBackupRepository.wrap(repository, keys);
    }
}
