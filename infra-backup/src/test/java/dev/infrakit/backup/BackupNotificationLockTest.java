package dev.infrakit.backup;

import dev.infrakit.core.notify.WebhookNotifier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A failed drill is notified through a real {@link WebhookNotifier} whose server takes the request
 * and never answers: the next backup must still get the repository lock while that notification
 * hangs.
 */
class BackupNotificationLockTest {
    private final ServerSocket webhook = newServer();
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final CountDownLatch notificationArrived = new CountDownLatch(1);

    private static ServerSocket newServer() {
        try {
            return new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterEach
    void stop() throws IOException {
        webhook.close();
        threads.shutdownNow();
    }

    /** One artifact, as a small dump would be. */
    private static final class OneFileSource implements BackupSource {
        @Override
        public String name() {
            return "app";
        }

        @Override
        public SourceInfo backup(ArtifactWriter out) {
            try (OutputStream o = out.open("data.bin")) {
                o.write("rows\n".repeat(100).getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new BackupException("write failed", e);
            }
            return new SourceInfo("one-file 1.0", "none", Map.of("public.t", 100L));
        }
    }

    @Test
    void aStalledWebhookAfterAFailedDrillDoesNotKeepTheNextBackupFromTheLock(@TempDir Path dir) throws Exception {
        Socket[] held = new Socket[1];
        threads.execute(() -> {
            try {
                Socket s = webhook.accept();
                held[0] = s;
                InputStream in = s.getInputStream();
                in.read(new byte[8192]); // the request has arrived; never answer it
                notificationArrived.countDown();
            } catch (IOException e) {
                // closed by the test
            }
        });
        LocalBackupRepository repository = LocalBackupRepository.open(dir.resolve("repo"));
        WebhookNotifier notifier = WebhookNotifier.builder(URI.create("http://127.0.0.1:" + webhook.getLocalPort()
                + "/hooks/T0/B0/secret")).timeout(Duration.ofSeconds(30)).maxAttempts(1).build();
        BackupDrill failing = (repo, backup) -> new DrillResult(Instant.now(), false, Duration.ofMillis(5),
                "row count of public.t: 100 in the manifest, 0 restored");
        BackupRunner first = BackupRunner.builder(new OneFileSource(), repository).drill(failing).notifier(notifier)
                .minimumFreeBytes(0).build();

        Future<Manifest> firstRun = threads.submit(() -> first.run(BackupKind.DAILY));
        assertTrue(notificationArrived.await(20, TimeUnit.SECONDS), "the failed drill was never notified");
        assertFalse(firstRun.isDone(), "the notification is still hanging");

        // The run that met the failure is still sending; the repository is free for the next one.
        try (RepositoryLock lock = repository.lock("next backup")) {
            assertTrue(lock.holder().contains("next backup"), lock.holder());
        }
        Manifest second = BackupRunner.builder(new OneFileSource(), repository).minimumFreeBytes(0).build()
                .run(BackupKind.DAILY);
        assertEquals(BackupStatus.VERIFIED, second.status());

        held[0].close(); // the webhook gives up: the first run's send fails, and it returns
        Manifest verified = firstRun.get(20, TimeUnit.SECONDS);
        assertFalse(verified.drill().orElseThrow().passed());
    }
}
