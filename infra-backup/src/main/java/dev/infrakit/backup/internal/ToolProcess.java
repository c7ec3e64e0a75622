package dev.infrakit.backup.internal;

import dev.infrakit.backup.BackupException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs one client program (argument list, no shell) and streams its data: either its stdout into a
 * sink (pg_dump into an artifact) or a source into its stdin (an artifact into pg_restore).
 *
 * <p>Three threads take part: the caller copies the data stream; a daemon thread drains stderr
 * into a bounded buffer (so a chatty tool can never block on a full pipe, nor fill the heap); a
 * watchdog thread kills the process when the timeout passes, which ends the caller's copy at once
 * because the pipe closes. The password only ever travels in the environment, so the command
 * line in messages is safe to show.
 */
public final class ToolProcess {
    /** How much of stderr is kept for messages. */
    static final int STDERR_LIMIT = 16 * 1024;

    private ToolProcess() {
    }

    /**
     * The outcome of a run.
     *
     * @param command the command, for messages (holds no secret)
     * @param exitCode the exit code, or -1 when it was killed at the timeout
     * @param stderr the first {@value #STDERR_LIMIT} bytes of stderr (and of stdout when no sink was given)
     * @param timedOut whether it was killed at the timeout
     * @param inputBroken the error writing its stdin, when it stopped reading early, else {@code null}
     */
    public record Result(List<String> command, int exitCode, String stderr, boolean timedOut, String inputBroken) {

        /** Whether it exited with 0 in time. */
        public boolean succeeded() {
            return !timedOut && exitCode == 0;
        }

        /** A sentence about a failed run: the command, exit code or timeout, and stderr. */
        public String describeFailure(Duration timeout) {
            String how = timedOut ? "timed out after " + timeout + " and was killed" : "failed with exit code " + exitCode;
            String err = stderr.isBlank() ? "(no output on stderr)" : "stderr: " + stderr.strip();
            return "'" + String.join(" ", command) + "' " + how + "; " + err;
        }
    }

    /**
     * Runs {@code command} and waits for it.
     *
     * @param environment variables to set in the child's environment; a {@code null} value removes one
     * @param stdin copied into the process's stdin, or {@code null} for an empty stdin
     * @param stdout receives the process's stdout, or {@code null} to capture it with stderr
     * @throws BackupException when it cannot be started (missing binary), when the sink fails, or
     *     when the thread is interrupted (the process is killed then)
     */
    public static Result run(List<String> command, Map<String, String> environment, InputStream stdin,
            OutputStream stdout, Duration timeout) {
        return run(command, environment, null, stdin, stdout, timeout);
    }

    /**
     * As {@link #run(List, Map, InputStream, OutputStream, Duration)}, in {@code directory} (null:
     * this process's working directory), for a program run as another user who may not be allowed
     * to read ours.
     */
    public static Result run(List<String> command, Map<String, String> environment, Path directory,
            InputStream stdin, OutputStream stdout, Duration timeout) {
        ProcessBuilder builder = new ProcessBuilder(command);
        if (directory != null) {
            builder.directory(directory.toFile());
        }
        // A null value removes a variable the child would otherwise inherit.
        environment.forEach((name, value) -> {
            if (value == null) {
                builder.environment().remove(name);
            } else {
                builder.environment().put(name, value);
            }
        });
        builder.redirectErrorStream(stdout == null);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new BackupException("Cannot start '" + String.join(" ", command) + "': " + e.getMessage(), e);
        }
        AtomicBoolean timedOut = new AtomicBoolean();
        Thread watchdog = new Thread(() -> {
            try {
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    timedOut.set(true);
                    kill(process);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "infrakit-backup-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        BoundedCapture errors = new BoundedCapture(stdout == null ? process.getInputStream() : process.getErrorStream());
        Thread drainer = new Thread(errors, "infrakit-backup-stderr");
        drainer.setDaemon(true);
        drainer.start();
        String inputBroken = null;
        try {
            if (stdin != null) {
                inputBroken = feed(stdin, process.getOutputStream(), command);
            } else {
                process.getOutputStream().close();
            }
            if (stdout != null) {
                copyOutput(process, stdout, timedOut, command);
            }
            int exit = process.waitFor();
            drainer.join(TimeUnit.SECONDS.toMillis(10));
            watchdog.interrupt();
            return new Result(List.copyOf(command), timedOut.get() ? -1 : exit, errors.text(), timedOut.get(), inputBroken);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackupException("Interrupted while running '" + String.join(" ", command) + "'", e);
        } catch (IOException e) {
            throw new BackupException("Cannot run '" + String.join(" ", command) + "': " + e.getMessage(), e);
        } finally {
            if (process.isAlive()) {
                kill(process);
            }
        }
    }

    /**
     * Copies the process's stdout into {@code sink}. A read that fails because the watchdog killed
     * the process (the JDK may close the pipe under a blocked read: "Stream closed") ends the copy,
     * so the run reports its timeout; a failing sink kills the process and is thrown.
     */
    private static void copyOutput(Process process, OutputStream sink, AtomicBoolean timedOut, List<String> command)
            throws IOException {
        byte[] buffer = new byte[64 * 1024];
        try (InputStream out = process.getInputStream()) {
            for (;;) {
                int n;
                try {
                    n = out.read(buffer);
                } catch (IOException e) {
                    if (timedOut.get()) {
                        return;
                    }
                    throw e;
                }
                if (n == -1) {
                    return;
                }
                try {
                    sink.write(buffer, 0, n);
                } catch (IOException e) {
                    kill(process);
                    throw new BackupException("Cannot write the output of '" + String.join(" ", command) + "': "
                            + e.getMessage(), e);
                }
            }
        }
    }

    /** Kills the process and anything it started, which could otherwise hold its pipes open. */
    private static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    /**
     * Copies {@code source} into the process; a write error means the process stopped reading
     * (it failed, or was killed) and is returned for the message, not thrown: its exit code and
     * stderr say why. A read error of the source is thrown.
     */
    private static String feed(InputStream source, OutputStream processIn, List<String> command) {
        byte[] buffer = new byte[64 * 1024];
        IOException writeError = null;
        try {
            int n;
            while ((n = source.read(buffer)) != -1) {
                try {
                    processIn.write(buffer, 0, n);
                } catch (IOException e) {
                    writeError = e;
                    break;
                }
            }
        } catch (IOException e) {
            throw new BackupException("Cannot read the input of '" + String.join(" ", command) + "': "
                    + e.getMessage(), e);
        }
        try {
            processIn.close();
        } catch (IOException e) {
            if (writeError == null) {
                writeError = e;
            }
        }
        return writeError == null ? null : writeError.getMessage();
    }

    /** Reads a stream to its end, keeping the first {@value #STDERR_LIMIT} bytes. */
    private static final class BoundedCapture implements Runnable {
        private final InputStream in;
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private long dropped;

        BoundedCapture(InputStream in) {
            this.in = in;
        }

        @Override
        public void run() {
            byte[] buffer = new byte[8192];
            try (in) {
                int n;
                while ((n = in.read(buffer)) != -1) {
                    synchronized (this) {
                        int keep = Math.min(n, STDERR_LIMIT - kept.size());
                        kept.write(buffer, 0, keep);
                        dropped += n - keep;
                    }
                }
            } catch (IOException e) {
                // The process was killed and its pipe closed; what was read so far is the message.
            }
        }

        synchronized String text() {
            String s = kept.toString(StandardCharsets.UTF_8);
            return dropped > 0 ? s + "… (" + dropped + " more bytes)" : s;
        }
    }
}
