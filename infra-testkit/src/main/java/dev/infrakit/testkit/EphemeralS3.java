package dev.infrakit.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/**
 * A real, throwaway S3 API server for tests: S3Proxy (Apache 2.0) with jclouds' filesystem backend,
 * AWS signature v2 and v4 authentication with {@link #accessKey()} / {@link #secretKey()}, listening
 * on 127.0.0.1 on a free port, its objects in a temporary directory.
 *
 * <p>S3Proxy brings its own dependency tree (Jetty 11, jclouds, Guava, Logback, the AWS SDK v1),
 * which would clash with the project's, so it never enters a test's class path: the build module
 * {@code infra-testkit-s3proxy} copies it into {@code infra-testkit-s3proxy/target/s3proxy}, and
 * this fixture runs it from there in a JVM of its own, under a small shell that stops it when the
 * test JVM exits or is killed (the kernel closes the pipe the shell reads). The directory is the
 * system property {@value #DIR_PROPERTY}, else found by walking up from the working directory; none:
 * an {@link EphemeralS3Exception} that says how to build it. Nothing is ever skipped.
 *
 * <p>{@link #shared()} is the JVM's one server (tests keep apart by bucket); {@link #start()} a
 * dedicated one for fault tests ({@link #stop()}, {@link #restart()} on the same port, objects kept).
 */
public final class EphemeralS3 implements AutoCloseable {
    /** System property naming the directory of S3Proxy's jars. */
    public static final String DIR_PROPERTY = "infrakit.s3proxy.dir";
    private static final String HOST = "127.0.0.1";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static volatile EphemeralS3 shared;
    /** A body S3Proxy's filesystem backend was writing: its object's or part's name, then {@code -<uuid>}. */
    private static final java.util.regex.Pattern CUT_OFF = java.util.regex.Pattern.compile(
            ".+-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    private final Path jars;
    private final Path dir;
    private final String accessKey = "infrakit-test-" + Long.toHexString(System.nanoTime());
    private final String secretKey = "secret-" + Long.toHexString(Double.doubleToLongBits(Math.random()));
    private final Thread shutdownHook;
    private volatile int port;
    private Process process;
    private volatile boolean closed;

    private EphemeralS3(Path jars, Path dir) {
        this.jars = jars;
        this.dir = dir;
        this.shutdownHook = new Thread(this::stopQuietly, "infrakit-ephemeral-s3-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * The JVM's shared server, started on first call. Do not stop or close it.
     *
     * @throws EphemeralS3Exception if it cannot be started
     */
    public static EphemeralS3 shared() {
        EphemeralS3 s = shared;
        if (s == null) {
            synchronized (EphemeralS3.class) {
                s = shared;
                if (s == null) {
                    s = start();
                    shared = s;
                }
            }
        }
        return s;
    }

    /**
     * Starts a dedicated server, which the caller closes.
     *
     * @throws EphemeralS3Exception if S3Proxy's jars cannot be found or it does not start
     */
    public static EphemeralS3 start() {
        Path jars = findJars();
        Path dir;
        try {
            dir = Files.createTempDirectory("infrakit-s3-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Files.createDirectories(dir.resolve("objects"));
            Files.writeString(dir.resolve("logback.xml"), "<configuration><appender name=\"err\" "
                    + "class=\"ch.qos.logback.core.ConsoleAppender\"><encoder><pattern>%d %level %logger{20} %msg%n</pattern>"
                    + "</encoder></appender><root level=\"WARN\"><appender-ref ref=\"err\"/></root></configuration>");
        } catch (IOException e) {
            throw new EphemeralS3Exception("Could not create a directory for S3Proxy: " + e, e);
        }
        EphemeralS3 s3 = new EphemeralS3(jars, dir);
        try {
            s3.launch(0);
        } catch (RuntimeException e) {
            s3.close();
            throw e;
        }
        return s3;
    }

    /** The endpoint to give an S3 client: {@code http://127.0.0.1:<port>} (path-style addressing). */
    public URI endpoint() {
        return URI.create("http://" + HOST + ":" + port);
    }

    /** The port it listens on (the same after {@link #restart()}). */
    public int port() {
        return port;
    }

    /** The access key id clients sign with. */
    public String accessKey() {
        return accessKey;
    }

    /** The secret key clients sign with. */
    public String secretKey() {
        return secretKey;
    }

    /** The directory holding the buckets (one subdirectory each) and their objects, for fault tests. */
    public Path objectsDirectory() {
        return dir.resolve("objects");
    }

    /**
     * Stops the server (as a crash would: connections refused) and waits for it to exit; the objects stay.
     * What a request cut off by the stop was writing is discarded, as S3 discards it: S3Proxy's
     * filesystem backend leaves such a body as a file named after its object or part plus
     * {@code -<uuid>}, which would show as an object, and in a multipart upload makes the upload
     * impossible to abort (HTTP 400); those files are deleted.
     *
     * @throws EphemeralS3Exception if it does not stop within a minute, or a cut-off body cannot be deleted
     */
    public synchronized void stop() {
        Process p = process;
        if (p == null) {
            return;
        }
        process = null;
        if (!TiedProcess.stop(p, START_TIMEOUT)) {
            throw new EphemeralS3Exception("S3Proxy on port " + port + " did not stop within " + START_TIMEOUT);
        }
        try (Stream<Path> files = Files.walk(objectsDirectory())) {
            for (Path file : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(file) && CUT_OFF.matcher(file.getFileName().toString()).matches()) {
                    Files.delete(file);
                }
            }
        } catch (IOException e) {
            throw new EphemeralS3Exception("Could not discard the request bodies cut off by the stop: " + e, e);
        }
    }

    /**
     * Starts the stopped server again on the same port, with the objects it had.
     *
     * @throws IllegalStateException if it is running or closed
     */
    public synchronized void restart() {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        if (process != null) {
            throw new IllegalStateException("S3Proxy on port " + port + " is running");
        }
        launch(port);
    }

    /** Whether the server process is running. */
    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Stops the server for good and deletes its directory. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        stopQuietly();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // The JVM is shutting down: the hook runs or has run.
        }
        TiedProcess.deleteTree(dir);
    }

    @Override
    public String toString() {
        return "EphemeralS3[" + endpoint() + (isRunning() ? "" : ", stopped") + "]";
    }

    private void stopQuietly() {
        try {
            stop();
        } catch (RuntimeException e) {
            // Best effort on close and at JVM exit.
        }
    }

    private void launch(int wantedPort) {
        EphemeralS3Exception last = null;
        for (int attempt = 0; attempt < (wantedPort == 0 ? 3 : 1); attempt++) {
            int candidate = wantedPort != 0 ? wantedPort : freePort();
            try {
                process = spawn(candidate);
                port = candidate;
                awaitReady(candidate);
                return;
            } catch (EphemeralS3Exception e) {
                last = e;
                Process p = process;
                process = null;
                if (p != null) {
                    TiedProcess.stop(p, Duration.ZERO);
                }
            }
        }
        throw last;
    }

    private Process spawn(int onPort) {
        Path properties = dir.resolve("s3proxy.properties");
        try {
            Files.writeString(properties, String.join("\n",
                    "s3proxy.endpoint=http://" + HOST + ":" + onPort,
                    "s3proxy.authorization=aws-v2-or-v4",
                    "s3proxy.identity=" + accessKey,
                    "s3proxy.credential=" + secretKey,
                    "jclouds.provider=filesystem",
                    "jclouds.filesystem.basedir=" + objectsDirectory()) + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new EphemeralS3Exception("Could not write S3Proxy's settings: " + e, e);
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> server = List.of(java, "-Xmx256m", "-Dlogback.configurationFile=" + dir.resolve("logback.xml"),
                "-cp", jars.resolve("*").toString(), "org.gaul.s3proxy.Main", "--properties", properties.toString());
        try {
            return TiedProcess.start(server, dir.resolve("s3proxy.log"));
        } catch (IOException e) {
            throw new EphemeralS3Exception("Could not start S3Proxy: " + e, e);
        }
    }

    /** Ready once an unsigned request is refused as S3 refuses it (403 with an S3 error body). */
    private void awaitReady(int onPort) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (process == null || !process.isAlive()) {
                throw new EphemeralS3Exception("S3Proxy exited on start (port " + onPort + "): " + tail());
            }
            try {
                HttpURLConnection c = (HttpURLConnection) URI.create("http://" + HOST + ":" + onPort + "/").toURL()
                        .openConnection();
                c.setConnectTimeout(500);
                c.setReadTimeout(2_000);
                int status = c.getResponseCode();
                try (InputStream body = c.getErrorStream() != null ? c.getErrorStream() : c.getInputStream()) {
                    String text = new String(body.readAllBytes(), StandardCharsets.UTF_8);
                    if (status == 403 && text.contains("AccessDenied")) {
                        return;
                    }
                }
            } catch (IOException e) {
                // not listening yet
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new EphemeralS3Exception("Interrupted while waiting for S3Proxy", e);
            }
        }
        throw new EphemeralS3Exception("S3Proxy did not answer on port " + onPort + " within " + START_TIMEOUT + ": " + tail());
    }

    private String tail() {
        return TiedProcess.tail(dir.resolve("s3proxy.log"));
    }

    private static int freePort() {
        try {
            return TiedProcess.freePort(HOST);
        } catch (IOException e) {
            throw new EphemeralS3Exception("No free port on " + HOST + ": " + e, e);
        }
    }

    /** S3Proxy's jars: {@value #DIR_PROPERTY}, else {@code infra-testkit-s3proxy/target/s3proxy} above the working directory. */
    static Path findJars() {
        String configured = System.getProperty(DIR_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            Path path = Path.of(configured);
            if (hasJars(path)) {
                return path;
            }
            throw new EphemeralS3Exception(DIR_PROPERTY + "=" + configured + " holds no S3Proxy jar");
        }
        for (Path at = Path.of("").toAbsolutePath(); at != null; at = at.getParent()) {
            Path candidate = at.resolve("infra-testkit-s3proxy").resolve("target").resolve("s3proxy");
            if (hasJars(candidate)) {
                return candidate;
            }
        }
        throw new EphemeralS3Exception("S3Proxy's jars were not found (no infra-testkit-s3proxy/target/s3proxy above "
                + Path.of("").toAbsolutePath() + ", and " + DIR_PROPERTY + " is not set). Build them: ./mvnw -pl "
                + "infra-testkit-s3proxy process-resources (the full build does it first)");
    }

    private static boolean hasJars(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.anyMatch(f -> f.getFileName().toString().startsWith("s3proxy-"));
        } catch (IOException e) {
            return false;
        }
    }
}
