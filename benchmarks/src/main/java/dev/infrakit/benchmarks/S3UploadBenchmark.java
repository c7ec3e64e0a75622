package dev.infrakit.benchmarks;

import dev.infrakit.backup.BackupKeys;
import dev.infrakit.backup.BackupKind;
import dev.infrakit.backup.BackupRepository;
import dev.infrakit.backup.EncryptedBackupRepository;
import dev.infrakit.backup.Manifest;
import dev.infrakit.backup.S3BackupRepository;
import dev.infrakit.backup.SourceInfo;
import dev.infrakit.testkit.EphemeralS3;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * Uploading one 256 MiB artifact to S3Proxy (filesystem backend, in a JVM of its own on this
 * machine): Infrakit's S3 repository, plain and encrypted (written in 64 KiB pieces as a backup
 * source writes, hashed, encrypted, sent in 8 MiB parts, published with its manifest), against the
 * plain AWS SDK v2 client uploading the same bytes from memory as one PutObject and as a sequential
 * multipart upload of 8 MiB parts. All on the JDK HTTP client with checksums WHEN_REQUIRED (what
 * S3Proxy accepts). Time per 256 MiB upload; each upload is deleted after it is timed.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
public class S3UploadBenchmark {
    private static final int SIZE = 256 << 20;
    private static final int PART = S3BackupRepository.DEFAULT_PART_SIZE;
    private static final int WRITE = 64 << 10;
    private static final String BUCKET = "bench";

    private final byte[] content = new byte[SIZE];
    private EphemeralS3 s3;
    private S3Client client;
    private S3BackupRepository plain;
    private BackupRepository encrypted;
    private final List<Runnable> cleanUp = new ArrayList<>();
    private long n;

    @Setup
    public void setUp() {
        new Random(1).nextBytes(content);
        s3 = EphemeralS3.start();
        client = S3Client.builder().endpointOverride(s3.endpoint()).region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(s3.accessKey(),
                        s3.secretKey())))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClient(UrlConnectionHttpClient.create()).build();
        client.createBucket(r -> r.bucket(BUCKET));
        plain = S3BackupRepository.builder().bucket(BUCKET).prefix("plain").endpoint(s3.endpoint()).pathStyle(true)
                .credentials(s3.accessKey(), s3.secretKey()).checksumsWhenRequired(true).build();
        byte[] key = new byte[BackupKeys.KEY_BYTES];
        new Random(2).nextBytes(key);
        encrypted = EncryptedBackupRepository.wrap(S3BackupRepository.builder().bucket(BUCKET).prefix("encrypted")
                .endpoint(s3.endpoint()).pathStyle(true).credentials(s3.accessKey(), s3.secretKey())
                .checksumsWhenRequired(true).build(), BackupKeys.of("bench", key));
    }

    @TearDown
    public void tearDown() {
        plain.close();
        encrypted.close();
        client.close();
        s3.close();
    }

    @TearDown(Level.Invocation)
    public void deleteUpload() {
        cleanUp.forEach(Runnable::run);
        cleanUp.clear();
    }

    private static RequestBody body(byte[] bytes, int offset, int length) {
        return RequestBody.fromContentProvider(() -> new ByteArrayInputStream(bytes, offset, length), length,
                "application/octet-stream");
    }

    /** The plain SDK: one PutObject of the 256 MiB. */
    @Benchmark
    public String sdkPutObject() {
        String key = "sdk/put-" + n++;
        String etag = client.putObject(r -> r.bucket(BUCKET).key(key).contentLength((long) SIZE), body(content, 0, SIZE))
                .eTag();
        cleanUp.add(() -> client.deleteObject(r -> r.bucket(BUCKET).key(key)));
        return etag;
    }

    /** The plain SDK: a sequential multipart upload in 8 MiB parts. */
    @Benchmark
    public String sdkMultipart() {
        String key = "sdk/multipart-" + n++;
        String id = client.createMultipartUpload(r -> r.bucket(BUCKET).key(key)).uploadId();
        List<CompletedPart> parts = new ArrayList<>();
        for (int at = 0, number = 1; at < SIZE; at += PART, number++) {
            int part = number;
            int offset = at;
            String etag = client.uploadPart(r -> r.bucket(BUCKET).key(key).uploadId(id).partNumber(part)
                    .contentLength((long) PART), body(content, offset, PART)).eTag();
            parts.add(CompletedPart.builder().partNumber(part).eTag(etag).build());
        }
        String etag = client.completeMultipartUpload(r -> r.bucket(BUCKET).key(key).uploadId(id)
                .multipartUpload(m -> m.parts(parts))).eTag();
        cleanUp.add(() -> client.deleteObject(r -> r.bucket(BUCKET).key(key)));
        return etag;
    }

    private Manifest backUp(BackupRepository repository) throws IOException {
        Manifest running = Manifest.start("bench", BackupKind.MANUAL, Instant.now());
        Manifest published;
        try (BackupRepository.Staging staging = repository.begin(running)) {
            try (OutputStream out = staging.open("database.dump")) {
                for (int at = 0; at < SIZE; at += WRITE) {
                    out.write(content, at, WRITE);
                }
            }
            published = staging.publish(running.complete(Instant.now(), staging.artifacts(),
                    new SourceInfo(null, null, Map.of())));
        }
        cleanUp.add(() -> repository.delete(running.id()));
        return published;
    }

    /** Infrakit's S3 repository: hashed, sent in 8 MiB parts (one in flight while the next fills), published. */
    @Benchmark
    public Manifest repositoryPlain() throws IOException {
        return backUp(plain);
    }

    /** The same, encrypted (AES-256-GCM in 64 KiB chunks, plaintext and ciphertext hashed). */
    @Benchmark
    public Manifest repositoryEncrypted() throws IOException {
        return backUp(encrypted);
    }
}
