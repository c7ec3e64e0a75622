package dev.infrakit.examples;

import dev.infrakit.backup.Manifest;
import dev.infrakit.backup.S3BackupRepository;
import dev.infrakit.credentials.MasterKey;
import dev.infrakit.testkit.EphemeralPostgres;
import dev.infrakit.testkit.EphemeralS3;
import dev.infrakit.testkit.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Off-site backups in S3 (S3Proxy) from the command line and from {@code serve}: encrypted copies
 * written, listed, verified and restored from the store, keys rotated, the wrong key refused, and
 * malformed S3 and key options refused as usage errors.
 */
class BackupOffsiteS3IT {
    private static final AtomicInteger BUCKETS = new AtomicInteger();

    private static CliRun main(Map<String, String> env, String... args) {
        return CliRun.run(env, args);
    }

    private static String newBucket(EphemeralS3 s3) {
        String bucket = "demo-" + ProcessHandle.current().pid() + "-" + BUCKETS.incrementAndGet();
        try (S3Client client = S3Client.builder().endpointOverride(s3.endpoint()).region(Region.US_EAST_1)
                .forcePathStyle(true).httpClient(UrlConnectionHttpClient.create())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(s3.accessKey(),
                        s3.secretKey())))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED).build()) {
            client.createBucket(r -> r.bucket(bucket));
        }
        return bucket;
    }

    private static Map<String, String> credentials(EphemeralS3 s3) {
        return Map.of("AWS_ACCESS_KEY_ID", s3.accessKey(), "AWS_SECRET_ACCESS_KEY", s3.secretKey());
    }

    private static String[] args(EphemeralS3 s3, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--s3-endpoint", s3.endpoint().toString(), "--s3-path-style", "--s3-checksums-when-required"));
        return all.toArray(String[]::new);
    }

    private static String url(EphemeralPostgres server, String database) {
        return "jdbc:postgresql://" + server.host() + ":" + server.port() + "/" + database + "?user=" + server.username()
                + "&password=" + server.password();
    }

    /** Whether any stored object of {@code bucket} contains {@code text}. */
    private static boolean storedAnywhere(EphemeralS3 s3, String bucket, String text) throws IOException {
        byte[] needle = text.getBytes(StandardCharsets.UTF_8);
        try (Stream<Path> files = Files.walk(s3.objectsDirectory().resolve(bucket))) {
            for (Path file : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(file) && indexOf(Files.readAllBytes(file), needle) >= 0) {
                    return true;
                }
            }
        }
        return false;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Test
    void theCommandLineBacksUpToS3EncryptedAndListsVerifiesRestoresAndRotatesFromThere(@TempDir Path dir)
            throws Exception {
        EphemeralS3 s3 = EphemeralS3.shared();
        EphemeralPostgres server = EphemeralPostgres.shared();
        TestDatabase db = server.createDatabase("s3_source");
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE patient_record (id serial PRIMARY KEY, diagnosis text NOT NULL)");
            st.execute("INSERT INTO patient_record (diagnosis) SELECT 'confidential-' || g FROM generate_series(1, 300) g");
        }
        String bucket = newBucket(s3);
        String offsite = "s3://" + bucket + "/db/orders";
        Map<String, String> env = credentials(s3);
        Path keys = dir.resolve("backup.keys");

        CliRun key = main(env, "backup", "new-key", "--encrypt-key-file", keys.toString(), "--id", "2026-12");
        assertEquals(0, key.code(), key.err());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keys)));
        CliRun run = main(env, args(s3, "backup", "run", "--jdbc-url", url(server, db.name()), "--repo",
                dir.resolve("local").toString(), "--offsite", offsite, "--encrypt-key-file", keys.toString()));
        assertEquals(0, run.code(), run.err());
        assertTrue(run.out().matches("\\S+ VERIFIED \\d+ bytes\\R"), "stdout holds the result alone: " + run.out());
        assertTrue(run.err().contains("copied to encrypted:" + offsite + "/ and verified there"), run.err());
        String id = run.out().split(" ")[0];
        assertFalse(storedAnywhere(s3, bucket, "confidential-1"), "no row of the dump is stored in the clear");
        assertFalse(storedAnywhere(s3, bucket, "patient_record"), "nor a table name (dump or manifest)");

        CliRun list = main(env, args(s3, "backup", "list", "--repo", offsite, "--encrypt-key-file", keys.toString()));
        assertEquals(0, list.code(), list.err());
        assertTrue(list.out().startsWith(id + "  VERIFIED"), list.out());
        CliRun verify = main(env, args(s3, "backup", "verify", "--repo", offsite, "--encrypt-key-file", keys.toString()));
        assertEquals(0, verify.code(), verify.err());
        assertTrue(verify.out().contains("checksums OK: " + id), verify.out());

        TestDatabase target = server.createDatabase("s3_target_base");
        String restored = target.name() + "_restored";
        CliRun restore = main(env, args(s3, "backup", "restore", "--repo", offsite, "--encrypt-key-file", keys.toString(),
                "--id", id, "--target-url", url(server, restored), "--create", "--allow-privileged-role"));
        assertEquals(0, restore.code(), restore.err());
        try (Connection c = java.sql.DriverManager.getConnection(url(server, restored));
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM patient_record")) {
            assertTrue(rs.next());
            assertEquals(300, rs.getInt(1), "restored from the encrypted copy in S3");
        }

        Path wrong = dir.resolve("wrong.keys");
        assertEquals(0, main(env, "backup", "new-key", "--encrypt-key-file", wrong.toString(), "--id", "2026-12").code());
        CliRun refused = main(env, args(s3, "backup", "verify", "--repo", offsite, "--id", id, "--encrypt-key-file",
                wrong.toString()));
        assertEquals(1, refused.code(), refused.out() + refused.err());
        assertTrue((refused.out() + refused.err()).contains("cannot be decrypted") || (refused.out() + refused.err())
                .contains("fails authentication"), refused.out() + refused.err());
        Path other = dir.resolve("other.keys");
        assertEquals(0, main(env, "backup", "new-key", "--encrypt-key-file", other.toString(), "--id", "other").code());
        CliRun notHeld = main(env, args(s3, "backup", "verify", "--repo", offsite, "--id", id, "--encrypt-key-file",
                other.toString()));
        assertEquals(1, notHeld.code());
        assertTrue(notHeld.err().contains("'2026-12'") && notHeld.err().contains("not held"), notHeld.err());

        // Rotation: a new current key; the older one stays in the file, for reading.
        assertEquals(0, main(env, "backup", "new-key", "--encrypt-key-file", keys.toString(), "--id", "2027-01").code());
        CliRun second = main(env, args(s3, "backup", "run", "--jdbc-url", url(server, db.name()), "--repo",
                dir.resolve("local").toString(), "--offsite", offsite, "--encrypt-key-file", keys.toString()));
        assertEquals(0, second.code(), second.err());
        String secondId = second.out().split(" ")[0];
        try (S3BackupRepository stored = S3BackupRepository.builder().location(offsite).endpoint(s3.endpoint())
                .pathStyle(true).checksumsWhenRequired(true).credentials(s3.accessKey(), s3.secretKey()).build()) {
            assertEquals(List.of("2026-12", "2027-01"), stored.list().stream()
                    .map(m -> m.encryptionKeyId().orElseThrow()).toList(), "each backup names its key");
            assertEquals(List.of(id, secondId), stored.list().stream().map(Manifest::id).toList());
        }
        CliRun both = main(env, args(s3, "backup", "list", "--repo", offsite, "--encrypt-key-file", keys.toString()));
        assertEquals(2, both.out().lines().filter(l -> l.contains("VERIFIED")).count(), both.out());
        assertEquals(0, main(env, args(s3, "backup", "verify", "--repo", offsite, "--id", id, "--encrypt-key-file",
                keys.toString())).code(), "the old backup still reads with the rotated file");

        // One byte of the stored dump altered: verification and restore both refuse it, saying why.
        Path dump;
        try (Stream<Path> files = Files.walk(s3.objectsDirectory().resolve(bucket))) {
            dump = files.filter(f -> f.toString().endsWith(id + "/database.dump")).findFirst().orElseThrow();
        }
        byte[] stored = Files.readAllBytes(dump);
        stored[stored.length / 2] ^= 0x10;
        Files.write(dump, stored);
        CliRun damaged = main(env, args(s3, "backup", "verify", "--repo", offsite, "--id", id, "--encrypt-key-file",
                keys.toString()));
        assertEquals(1, damaged.code(), damaged.out() + damaged.err());
        assertTrue(damaged.out().contains("FAILED: " + id) && damaged.out().contains("fails authentication"), damaged.out());
        CliRun refusedRestore = main(env, args(s3, "backup", "restore", "--repo", offsite, "--encrypt-key-file",
                keys.toString(), "--id", id, "--target-url", url(server, restored + "_again"), "--create",
                "--allow-privileged-role"));
        assertEquals(1, refusedRestore.code(), refusedRestore.err());
        assertTrue(refusedRestore.err().contains("fails authentication"), refusedRestore.err());
    }

    @Test
    void aBaseBackupOfTheWholeServerGoesToS3Encrypted(@TempDir Path dir) throws Exception {
        EphemeralS3 s3 = EphemeralS3.shared();
        try (EphemeralPostgres cluster = EphemeralPostgres.builder().start()) {
            TestDatabase db = cluster.createDatabase("base_source");
            try (Connection c = db.connect(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE vault_entry AS SELECT 'secret-' || g AS v FROM generate_series(1, 100) g");
            }
            String bucket = newBucket(s3);
            Map<String, String> env = credentials(s3);
            Path keys = dir.resolve("backup.keys");
            assertEquals(0, main(env, "backup", "new-key", "--encrypt-key-file", keys.toString(), "--id", "base-1").code());
            CliRun base = main(env, args(s3, "backup", "base", "--jdbc-url", url(cluster, "postgres"), "--repo",
                    dir.resolve("local").toString(), "--offsite", "s3://" + bucket + "/cluster", "--encrypt-key-file",
                    keys.toString()));
            assertEquals(0, base.code(), base.err());
            assertTrue(base.out().matches("\\S+ VERIFIED \\d+ bytes\\R"), base.out());
            CliRun list = main(env, args(s3, "backup", "list", "--repo", "s3://" + bucket + "/cluster", "--encrypt-key-file",
                    keys.toString()));
            assertTrue(list.out().contains("VERIFIED"), list.out());
            assertFalse(storedAnywhere(s3, bucket, "secret-42"), "no row of the cluster is stored in the clear");
        }
    }

    @Test
    void malformedS3AndKeyOptionsAreUsageErrorsThatShowNoSecret(@TempDir Path dir) throws Exception {
        String local = dir.resolve("local").toString();
        Map<String, CliRun> usage = new HashMap<>();
        usage.put("bad bucket", main(Map.of(), "backup", "list", "--repo", "s3://Not_A_Bucket/x"));
        usage.put("dot segment", main(Map.of(), "backup", "list", "--repo", "s3://bucket-ok/a/../b"));
        usage.put("control character", main(Map.of(), "backup", "list", "--repo", "s3://bucket-ok/a\u0000b"));
        usage.put("ftp endpoint", main(Map.of(), "backup", "list", "--repo", "s3://bucket-ok/x", "--s3-endpoint",
                "ftp://host"));
        usage.put("endpoint with credentials", main(Map.of(), "backup", "list", "--repo", "s3://bucket-ok/x",
                "--s3-endpoint", "http://user:hunter2secret@host:9000"));
        usage.put("bad region", main(Map.of(), "backup", "list", "--repo", "s3://bucket-ok/x", "--s3-region", "EU WEST"));
        usage.put("s3 options for directories", main(Map.of(), "backup", "run", "--directory", dir.toString(),
                "--repo", local, "--s3-path-style"));
        usage.put("other scheme", main(Map.of(), "backup", "list", "--repo", "gs://bucket/x"));
        usage.put("both keys", main(Map.of(), "backup", "list", "--repo", local, "--encrypt-key-file", "a",
                "--master-key-file", "b"));
        usage.put("bad key id", main(Map.of(), "backup", "new-key", "--encrypt-key-file", dir.resolve("k").toString(),
                "--id", "no spaces"));
        usage.put("offsite without repo", main(Map.of(), "serve", "--backup-offsite", "s3://bucket-ok/x"));
        for (Map.Entry<String, CliRun> e : usage.entrySet()) {
            assertEquals(2, e.getValue().code(), e.getKey() + ": " + e.getValue().err());
            assertFalse(e.getValue().err().contains("hunter2secret"), e.getKey() + ": the secret is never shown");
        }

        Files.createDirectories(dir.resolve("local"));
        Path bad = Files.writeString(dir.resolve("bad.keys"), "2026-12 c2VjcmV0LWJ1dC10b28tc2hvcnQ=\n");
        Files.setPosixFilePermissions(bad, PosixFilePermissions.fromString("rw-------"));
        CliRun badKey = main(Map.of(), "backup", "list", "--repo", local, "--encrypt-key-file", bad.toString());
        assertEquals(1, badKey.code(), badKey.err());
        assertTrue(badKey.err().contains("Line 1 of the backup key file"), badKey.err());
        assertFalse(badKey.err().contains("c2VjcmV0LWJ1dC10b28tc2hvcnQ="), "the key is never shown: " + badKey.err());
        Path open = dir.resolve("open.keys");
        assertEquals(0, main(Map.of(), "backup", "new-key", "--encrypt-key-file", open.toString(), "--id", "k1").code());
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
        CliRun refusedOpen = main(Map.of(), "backup", "list", "--repo", local, "--encrypt-key-file", open.toString());
        assertEquals(1, refusedOpen.code(), refusedOpen.err());
        assertTrue(refusedOpen.err().contains("accessible by its group or others") && refusedOpen.err().contains("chmod 600"),
                refusedOpen.err());
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-------"));
        Path link = Files.createSymbolicLink(dir.resolve("link.keys"), open);
        CliRun refusedLink = main(Map.of(), "backup", "list", "--repo", local, "--encrypt-key-file", link.toString());
        assertEquals(1, refusedLink.code(), refusedLink.err());
        assertTrue(refusedLink.err().contains("symbolic link"), refusedLink.err());
        CliRun duplicate = main(Map.of(), "backup", "new-key", "--encrypt-key-file", open.toString(), "--id", "k1");
        assertEquals(1, duplicate.code());
        assertTrue(duplicate.err().contains("already has a key 'k1'"), duplicate.err());
    }

    @Test
    void serveCopiesEachBackupToS3EncryptedUnderTheMasterKey(@TempDir Path data, @TempDir Path repo) throws Exception {
        EphemeralS3 s3 = EphemeralS3.shared();
        EphemeralPostgres server = EphemeralPostgres.shared();
        TestDatabase db = server.createDatabase("s3_serve");
        String bucket = newBucket(s3);
        String offsite = "s3://" + bucket + "/demo";
        MasterKey master = MasterKey.generate();
        Map<String, String> env = new HashMap<>(credentials(s3));
        env.put("INFRAKIT_ADMIN_PASSWORD", "admin-password-42");
        env.put("INFRAKIT_MASTER_KEY", master.toBase64());
        DemoService service = DemoService.start(ServeCommand.settings(List.of(args(s3, "--port", "0", "--warm-up", "0s", "--data-dir",
                data.toString(), "--password-iterations", "1000", "--drain", "200ms", "--jdbc-url",
                url(server, db.name()), "--backup-repo", repo.toString(), "--backup-offsite", offsite)), env),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        try {
            long deadline = System.nanoTime() + 60_000_000_000L;
            java.util.regex.Pattern succeeded = java.util.regex.Pattern.compile(
                    "infrakit_backup_runs_total\\{result=\"success\"[^}]*} 1\\.0");
            String metrics = "";
            while (System.nanoTime() < deadline && !succeeded.matcher(metrics).find()) {
                metrics = DemoHttp.call(service.port(), "GET", "/metrics", null, null).body();
                Thread.sleep(100);
            }
            assertTrue(succeeded.matcher(metrics).find(), metrics);
            HttpResponse<String> health = DemoHttp.call(service.port(), "GET", "/health", null, null);
            assertTrue(health.body().contains("backup-repository:s3://" + bucket + "/demo/"), health.body());
        } finally {
            service.close();
        }
        Path masterFile = data.resolve("master.copy");
        Files.writeString(masterFile, master.toBase64() + "\n");
        Files.setPosixFilePermissions(masterFile, PosixFilePermissions.fromString("rw-------"));
        CliRun list = main(credentials(s3), args(s3, "backup", "list", "--repo", offsite, "--master-key-file",
                masterFile.toString()));
        assertEquals(0, list.code(), list.err());
        assertEquals(1, list.out().lines().filter(l -> l.contains("VERIFIED")).count(), list.out());
        CliRun verify = main(credentials(s3), args(s3, "backup", "verify", "--repo", offsite, "--master-key-file",
                masterFile.toString()));
        assertEquals(0, verify.code(), verify.err());
        assertTrue(verify.out().contains("checksums OK"), verify.out());
        CliRun withoutKey = main(credentials(s3), args(s3, "backup", "restore", "--repo", offsite, "--id",
                list.out().split(" ")[0], "--target-url", url(server, "never_created"), "--create"));
        assertEquals(1, withoutKey.code(), "an encrypted backup is not restored without its key: " + withoutKey.err());
        assertTrue(withoutKey.err().contains("is encrypted under key 'demo-" + master.id() + "'"), withoutKey.err());

        Map<String, String> wrongSecret = new HashMap<>(env);
        wrongSecret.put("AWS_SECRET_ACCESS_KEY", "not-the-secret-" + System.nanoTime());
        Exception refused = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> DemoService.start(
                ServeCommand.settings(List.of(args(s3, "--port", "0", "--warm-up", "0s", "--data-dir", data.toString(),
                        "--password-iterations", "1000", "--drain", "200ms", "--jdbc-url", url(server, db.name()),
                        "--backup-repo", repo.toString(), "--backup-offsite", offsite)), wrongSecret),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)));
        assertTrue(String.valueOf(refused.getMessage()).contains("refused the credentials"), String.valueOf(refused));
        assertFalse(String.valueOf(refused.getMessage()).contains(wrongSecret.get("AWS_SECRET_ACCESS_KEY")));
    }
}
