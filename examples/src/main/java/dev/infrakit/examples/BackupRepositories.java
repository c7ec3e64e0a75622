package dev.infrakit.examples;

import dev.infrakit.backup.BackupKeys;
import dev.infrakit.backup.BackupRepository;
import dev.infrakit.backup.EncryptedBackupRepository;
import dev.infrakit.backup.LocalBackupRepository;
import dev.infrakit.backup.S3BackupRepository;
import dev.infrakit.core.io.DurableFiles;
import dev.infrakit.credentials.MasterKey;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Where the demo and its command line keep backups: a directory, or {@code s3://bucket/prefix} in
 * AWS S3 or any S3-compatible store ({@code --s3-endpoint}), encrypted with the keys of
 * {@code --encrypt-key-file} (or, as {@code serve} does, a key derived from the master key). S3
 * credentials: {@code AWS_ACCESS_KEY_ID} and {@code AWS_SECRET_ACCESS_KEY} (and
 * {@code AWS_SESSION_TOKEN}) from the environment, else the AWS SDK's default chain (profile files,
 * container and instance roles).
 */
final class BackupRepositories {
    /** What the demo derives its backup key from its master key for (the key's purpose). */
    static final String BACKUP_KEY_PURPOSE = "infrakit-demo backup encryption v1";

    private BackupRepositories() {
    }

    /** Adds the S3 and encryption options to {@code command}. */
    static Cli.Command s3Options(Cli.Command command) {
        return command
                .value("s3-endpoint", "URL", "An S3-compatible store's endpoint (MinIO, Ceph, Garage, …); default AWS S3.")
                .value("s3-region", "REGION", "The S3 region (default AWS_REGION, or us-east-1 with --s3-endpoint).")
                .flag("s3-path-style", "Path-style S3 requests (endpoint/bucket/key), as most self-hosted stores need.")
                .flag("s3-checksums-when-required", "Only the checksums S3 requires (for stores that refuse the SDK's).");
    }

    /** Adds the encryption options to {@code command}. */
    static Cli.Command keyOptions(Cli.Command command) {
        return command
                .value("encrypt-key-file", "FILE", "Backup keys ('backup new-key'): encrypt with the first, read with all.")
                .value("master-key-file", "FILE", "Use the backup key a 'serve' with this master key derives.");
    }

    /**
     * The S3 connection settings of a command: {@code --s3-*} options, credentials from the
     * environment (or, when it has none, the AWS SDK's default chain).
     */
    static final class S3Settings {
        private URI endpoint;
        private String region;
        private boolean pathStyle;
        private boolean checksumsWhenRequired;
        private String accessKeyId;
        private String secretAccessKey;
        private String sessionToken;

        /**
         * The settings of {@code a} and {@code env}.
         *
         * @throws Args.UsageException for a malformed endpoint or region (the value never shown)
         */
        static S3Settings from(Args a, Map<String, String> env) {
            S3Settings s = new S3Settings();
            if (a.get("s3-endpoint").isPresent()) {
                try {
                    s.endpoint = new URI(a.get("s3-endpoint").get());
                    S3BackupRepository.builder().endpoint(s.endpoint); // checks it
                } catch (URISyntaxException | IllegalArgumentException e) {
                    throw new Args.UsageException("--s3-endpoint is http(s)://host[:port] with nothing else");
                }
            }
            if (a.get("s3-region").isPresent()) {
                try {
                    s.region = a.get("s3-region").get();
                    S3BackupRepository.builder().region(s.region); // checks it
                } catch (IllegalArgumentException e) {
                    throw new Args.UsageException("--s3-region is lower-case letters, digits and hyphens, such as "
                            + "eu-west-1");
                }
            }
            s.pathStyle = a.flag("s3-path-style");
            s.checksumsWhenRequired = a.flag("s3-checksums-when-required");
            s.accessKeyId = nonEmpty(env.get("AWS_ACCESS_KEY_ID"));
            s.secretAccessKey = nonEmpty(env.get("AWS_SECRET_ACCESS_KEY"));
            s.sessionToken = nonEmpty(env.get("AWS_SESSION_TOKEN"));
            return s;
        }

        private static String nonEmpty(String value) {
            return value == null || value.isEmpty() ? null : value;
        }

        /** Whether an S3 option was given (they are for s3:// repositories only). */
        boolean given() {
            return endpoint != null || region != null || pathStyle || checksumsWhenRequired;
        }

        S3BackupRepository open(String location) {
            S3BackupRepository.Builder b = S3BackupRepository.builder();
            try {
                b.location(location);
            } catch (IllegalArgumentException e) {
                throw new Args.UsageException(e.getMessage());
            }
            if (endpoint != null) {
                b.endpoint(endpoint);
            }
            if (region != null) {
                b.region(region);
            }
            b.pathStyle(pathStyle).checksumsWhenRequired(checksumsWhenRequired);
            if (accessKeyId != null && secretAccessKey != null) {
                if (sessionToken != null) {
                    b.credentialsProvider(StaticCredentialsProvider.create(AwsSessionCredentials.create(accessKeyId,
                            secretAccessKey, sessionToken)));
                } else {
                    b.credentials(accessKeyId, secretAccessKey);
                }
            }
            return b.build();
        }

        @Override
        public String toString() {
            return "S3Settings[endpoint " + endpoint + ", region " + region + "]"; // never the credentials
        }
    }

    /**
     * Checks that {@code spec}, the value of {@code --option}, names a repository: a directory or
     * {@code s3://bucket/prefix}.
     *
     * @throws Args.UsageException if it does not
     */
    static void check(String spec, String option) {
        if (spec.startsWith("s3://")) {
            try {
                S3BackupRepository.builder().location(spec);
            } catch (IllegalArgumentException e) {
                throw new Args.UsageException("--" + option + ": " + e.getMessage());
            }
        } else if (spec.contains("://")) {
            throw new Args.UsageException("--" + option + " is a directory or s3://bucket/prefix");
        }
    }

    /**
     * The repository {@code spec} names: {@code s3://bucket/prefix}, or a directory (created only if
     * {@code create}), encrypted under {@code keys} unless they are null.
     *
     * @throws Args.UsageException for a malformed location
     * @throws IllegalStateException for a directory that does not exist (when not {@code create})
     */
    static BackupRepository open(String spec, S3Settings s3, boolean create, BackupKeys keys) {
        BackupRepository repository;
        if (spec.startsWith("s3://")) {
            repository = s3.open(spec);
        } else {
            if (spec.contains("://")) {
                throw new Args.UsageException("a backup repository is a directory or s3://bucket/prefix");
            }
            Path dir = Path.of(spec);
            if (!create && !Files.isDirectory(dir)) {
                throw new IllegalStateException("no backup repository at " + dir);
            }
            repository = LocalBackupRepository.open(dir);
        }
        return keys == null ? repository : EncryptedBackupRepository.wrap(repository, keys);
    }

    /**
     * The keys {@code --encrypt-key-file} or {@code --master-key-file} give (not both), or null.
     *
     * @throws Args.UsageException if both are given
     * @throws IllegalStateException if the file cannot be read or holds no valid key
     */
    static BackupKeys keys(Args a) {
        if (a.get("encrypt-key-file").isPresent() && a.get("master-key-file").isPresent()) {
            throw new Args.UsageException("give --encrypt-key-file or --master-key-file, not both");
        }
        if (a.get("master-key-file").isPresent()) {
            try {
                return derived(MasterKey.fromFile(Path.of(a.get("master-key-file").get())));
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(e.getMessage());
            }
        }
        return a.get("encrypt-key-file").map(f -> readKeys(Path.of(f))).orElse(null);
    }

    /** The backup key {@code serve} derives from its master key: its id names the master key. */
    static BackupKeys derived(MasterKey master) {
        return BackupKeys.of("demo-" + master.id(), master.derive(BACKUP_KEY_PURPOSE));
    }

    /** The keys of a key file ({@link BackupKeys#fromFile}: owner-only, one {@code <id> <base64>} per line). */
    static BackupKeys readKeys(Path file) {
        try {
            return BackupKeys.fromFile(file);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(e.getMessage());
        }
    }

    /**
     * {@code backup new-key}: a new random key at the top of the key file (created owner-only if
     * missing); the keys already there stay, for reading older backups.
     */
    static String newKey(Path file, String id) throws IOException {
        byte[] key = new byte[BackupKeys.KEY_BYTES];
        new SecureRandom().nextBytes(key);
        BackupKeys.of(id, key); // checks the id
        List<String> lines = new ArrayList<>();
        lines.add(id + " " + Base64.getEncoder().encodeToString(key));
        if (Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            readKeys(file); // the existing file must be a sound key file (owner-only, no link, valid lines)
            for (String existing : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
                String[] parts = existing.strip().split("\\s+");
                if (parts.length > 0 && parts[0].equals(id)) {
                    throw new IllegalStateException("the key file " + file + " already has a key '" + id
                            + "'; give the new key a new id");
                }
                lines.add(existing);
            }
        }
        // Synced before and after the rename: a key file lost to a power cut is every backup under it lost.
        DurableFiles.replace(file.toAbsolutePath(), (String.join("\n", lines) + "\n").getBytes(StandardCharsets.US_ASCII),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        return id;
    }
}
