package dev.infrakit.backup.internal;

import dev.infrakit.backup.BackupException;
import dev.infrakit.backup.S3BackupRepository;
import dev.infrakit.core.Config;
import dev.infrakit.core.ConfigException;

import java.net.URI;
import java.net.URISyntaxException;

import static dev.infrakit.backup.internal.ProviderSettings.set;

/**
 * The {@code s3} provider's settings, apart from {@link BuiltInBackupRepositories} so that the AWS
 * SDK's classes load only when an S3 repository is created.
 */
final class S3Settings {
    private S3Settings() {
    }

    /** The repository {@code c} (the {@code infrakit.backup.s3} section) describes, connected. */
    static S3BackupRepository open(Config c) {
        S3BackupRepository.Builder b = S3BackupRepository.builder();
        String location = c.getString("location");
        set(c, "location", "expected s3://bucket/prefix (a bucket name of 3 to 63 lower-case letters, digits, dots "
                + "and hyphens; prefix segments of letters, digits and . _ -)", () -> b.location(location));
        if (c.has("endpoint")) {
            String endpoint = c.getString("endpoint");
            set(c, "endpoint", "expected http(s)://host[:port] with nothing else", () -> {
                try {
                    b.endpoint(new URI(endpoint));
                } catch (URISyntaxException e) {
                    throw new IllegalArgumentException(e.getReason());
                }
            });
        }
        if (c.has("region")) {
            String region = c.getString("region");
            set(c, "region", "expected a region such as eu-west-1", () -> b.region(region));
        }
        b.pathStyle(c.getBoolean("path-style", false));
        b.checksumsWhenRequired(c.getBoolean("checksums-when-required", false));
        if (c.has("part-size")) {
            long size = c.getSize("part-size");
            set(c, "part-size", "expected " + S3BackupRepository.MIN_PART_SIZE + " to " + S3BackupRepository.MAX_PART_SIZE
                    + " bytes", () -> b.partSize(size > Integer.MAX_VALUE ? -1 : (int) size));
        }
        if (c.has("lock-expiry")) {
            java.time.Duration expiry = c.getDuration("lock-expiry");
            set(c, "lock-expiry", "expected at least 10s", () -> b.lockExpiry(expiry));
        }
        if (c.has("access-key-id") != c.has("secret-access-key")) {
            throw c.invalid(c.has("access-key-id") ? "secret-access-key" : "access-key-id", "expected both access-key-id "
                    + "and secret-access-key, or neither (for the AWS SDK's default credentials chain)");
        }
        if (c.has("access-key-id")) {
            String id = c.getString("access-key-id");
            String secret = c.getString("secret-access-key");
            set(c, "access-key-id", "expected an access key id and a secret access key", () -> b.credentials(id, secret));
        }
        try {
            return b.build();
        } catch (BackupException | IllegalStateException e) {
            throw new ConfigException(c.fullKey("location"), "cannot open the S3 backup repository: " + e.getMessage(), e);
        }
    }
}
