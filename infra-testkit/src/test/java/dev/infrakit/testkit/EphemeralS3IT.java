package dev.infrakit.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * The S3 fixture speaks S3: it refuses unsigned and wrongly signed requests, stores what a signed
 * request puts (in its objects directory) and gives it back, and a dedicated server stops and
 * restarts on its port with its objects. Requests are signed with AWS signature version 2 by hand,
 * so this module needs no S3 client.
 */
class EphemeralS3IT {
    /** A status and a body. */
    private record Answer(int status, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private static Answer http(String url, String method, byte[] body, String... headers) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
        c.setRequestMethod(method);
        for (int i = 0; i < headers.length; i += 2) {
            c.setRequestProperty(headers[i], headers[i + 1]);
        }
        if (body.length > 0 || method.equals("PUT")) {
            c.setDoOutput(true);
            c.setFixedLengthStreamingMode(body.length);
            try (OutputStream out = c.getOutputStream()) {
                out.write(body);
            }
        }
        int status = c.getResponseCode();
        try (InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream()) {
            return new Answer(status, in == null ? new byte[0] : in.readAllBytes());
        }
    }

    /** A request signed with AWS signature v2 (what S3Proxy's aws-v2-or-v4 accepts), for {@code secret}. */
    private static Answer s3(EphemeralS3 s3, String method, String path, byte[] body, String secret)
            throws IOException, GeneralSecurityException {
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC));
        String contentType = "application/octet-stream";
        String toSign = method + "\n\n" + contentType + "\n" + date + "\n" + path;
        Mac mac = Mac.getInstance("HmacSHA1");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
        String signature = Base64.getEncoder().encodeToString(mac.doFinal(toSign.getBytes(StandardCharsets.UTF_8)));
        return http(s3.endpoint() + path, method, body, "Date", date, "Content-Type", contentType,
                "Authorization", "AWS " + s3.accessKey() + ":" + signature);
    }

    @Test
    void theSharedServerRefusesWhatIsNotSignedAndKeepsWhatIs() throws Exception {
        EphemeralS3 s3 = EphemeralS3.shared();
        assertSame(s3, EphemeralS3.shared());
        Answer unsigned = http(s3.endpoint() + "/", "GET", new byte[0]);
        assertEquals(403, unsigned.status());
        assertTrue(unsigned.text().contains("AccessDenied"), unsigned.text());
        Answer forged = s3(s3, "PUT", "/forged", new byte[0], "not-the-secret");
        assertEquals(403, forged.status());
        assertTrue(forged.text().contains("SignatureDoesNotMatch"), forged.text());

        assertEquals(200, s3(s3, "PUT", "/fixture-bucket", new byte[0], s3.secretKey()).status());
        byte[] data = "a backup, or a part of one\0\n".repeat(1000).getBytes(StandardCharsets.UTF_8);
        assertEquals(200, s3(s3, "PUT", "/fixture-bucket/dumps/one", data, s3.secretKey()).status());
        Answer read = s3(s3, "GET", "/fixture-bucket/dumps/one", new byte[0], s3.secretKey());
        assertEquals(200, read.status());
        assertArrayEquals(data, read.body());
        Path stored = s3.objectsDirectory().resolve("fixture-bucket").resolve("dumps").resolve("one");
        assertArrayEquals(data, Files.readAllBytes(stored), "objects are files a fault test can damage or delete");
    }

    @Test
    void aDedicatedServerStopsRefusingConnectionsAndRestartsWithItsObjects() throws Exception {
        Path dir;
        try (EphemeralS3 s3 = EphemeralS3.start()) {
            dir = s3.objectsDirectory();
            assertEquals(200, s3(s3, "PUT", "/kept", new byte[0], s3.secretKey()).status());
            assertEquals(200, s3(s3, "PUT", "/kept/object", new byte[] {1, 2, 3}, s3.secretKey()).status());
            int port = s3.port();
            s3.stop();
            assertFalse(s3.isRunning());
            assertThrows(ConnectException.class, () -> s3(s3, "GET", "/kept/object", new byte[0], s3.secretKey()));
            s3.restart();
            assertEquals(port, s3.port());
            assertArrayEquals(new byte[] {1, 2, 3}, s3(s3, "GET", "/kept/object", new byte[0], s3.secretKey()).body());
        }
        assertFalse(Files.exists(dir), "closing deletes its directory");
    }

    @Test
    void aServerDiesWithItsJvmEvenWhenTheJvmIsKilled() throws Exception {
        FixtureOwnerMain.assertServerDiesWithItsKilledJvm("s3");
    }

    @Test
    void withoutItsJarsItFailsSayingHowToBuildThem() {
        String before = System.getProperty(EphemeralS3.DIR_PROPERTY);
        System.setProperty(EphemeralS3.DIR_PROPERTY, "/nonexistent/s3proxy");
        try {
            EphemeralS3Exception e = assertThrows(EphemeralS3Exception.class, EphemeralS3::start);
            assertTrue(e.getMessage().contains("holds no S3Proxy jar"), e.getMessage());
        } finally {
            if (before == null) {
                System.clearProperty(EphemeralS3.DIR_PROPERTY);
            } else {
                System.setProperty(EphemeralS3.DIR_PROPERTY, before);
            }
        }
    }
}
