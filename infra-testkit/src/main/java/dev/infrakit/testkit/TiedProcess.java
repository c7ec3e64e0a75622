package dev.infrakit.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What the fixtures that run a server in a process of its own share (Redis, S3Proxy): the server
 * runs under a small shell that reads its stdin — a pipe from this JVM — until it ends, on
 * {@link #stop} or because the kernel closed it when this JVM died (even by SIGKILL), and then stops
 * the server; so no server outlives the JVM that started it.
 */
final class TiedProcess {
    private TiedProcess() {
    }

    /**
     * Starts {@code server} (a command line) under the shell, its output appended to {@code log}.
     *
     * @throws IOException if it cannot be started
     */
    static Process start(List<String> server, Path log) throws IOException {
        List<String> command = new ArrayList<>(List.of("sh", "-c",
                "\"$@\" & server=$!; cat > /dev/null; kill \"$server\" 2>/dev/null; wait \"$server\"", "sh"));
        command.addAll(server);
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    /**
     * Ends the shell's stdin (it stops the server) and waits for it; destroyed by force if that
     * fails, or if it takes longer than {@code timeout}.
     *
     * @return false if it had to be destroyed after {@code timeout}
     */
    static boolean stop(Process p, Duration timeout) {
        try {
            p.getOutputStream().close();
            if (p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                return true;
            }
            p.destroyForcibly();
            return false;
        } catch (IOException e) {
            p.destroyForcibly();
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            return true;
        }
    }

    /** A port free on {@code host} now (another process may take it before the server binds it). */
    static int freePort(String host) throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(host))) {
            return socket.getLocalPort();
        }
    }

    /** The last 2,000 characters of {@code log}, for an error message. */
    static String tail(Path log) {
        try {
            String text = Files.readString(log);
            return text.length() > 2000 ? text.substring(text.length() - 2000) : text;
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Deletes {@code dir} and everything under it, as far as it can. */
    static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException ignored) {
                    // best effort
                }
            });
        } catch (IOException ignored) {
            // gone already
        }
    }
}
