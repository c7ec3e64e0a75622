package dev.infrakit.testkit.internal;

import dev.infrakit.testkit.EphemeralPostgresException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs PostgreSQL's command-line tools as child processes (never through a shell), as the
 * current user or, when the JVM runs as root, as an unprivileged operating-system user through
 * {@code runuser}: PostgreSQL refuses to run as root.
 */
public final class CommandRunner {
    private final String osUser;
    private final Path runuser;

    private CommandRunner(String osUser, Path runuser) {
        this.osUser = osUser;
        this.runuser = runuser;
    }

    /** Runs commands as the JVM's own user. */
    public static CommandRunner asCurrentUser() {
        return new CommandRunner(null, null);
    }

    /**
     * Runs commands as {@code osUser} through {@code runuser}.
     *
     * @throws EphemeralPostgresException if {@code runuser} is missing or the user does not exist
     */
    public static CommandRunner asUser(String osUser) {
        Path runuser = null;
        for (String candidate : List.of("/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser", "/bin/runuser")) {
            if (Files.isExecutable(Path.of(candidate))) {
                runuser = Path.of(candidate);
                break;
            }
        }
        if (runuser == null) {
            throw new EphemeralPostgresException("The JVM runs as root and PostgreSQL refuses to run as root, "
                    + "but 'runuser' (util-linux) was not found to start it as user '" + osUser + "'. "
                    + "Install util-linux, or run the tests as an unprivileged user.");
        }
        CommandRunner runner = new CommandRunner(osUser, runuser);
        Result id = runner.run(List.of("/usr/bin/env", "true"), Duration.ofSeconds(30), Map.of());
        if (id.exitCode() != 0) {
            throw new EphemeralPostgresException("Cannot run commands as operating-system user '" + osUser
                    + "' (needed because PostgreSQL refuses to run as root): " + id.output().strip()
                    + ". Create that user (apt-get install postgresql creates 'postgres') or set "
                    + "INFRAKIT_PG_OS_USER to an existing unprivileged user.");
        }
        return runner;
    }

    /** The user commands run as, or {@code null} for the JVM's own user. */
    public String osUser() {
        return osUser;
    }

    /** The outcome of one command: its exit code and its combined standard output and error. */
    public record Result(int exitCode, String output) {
    }

    /**
     * Runs a command and waits for it.
     *
     * @param command program and arguments
     * @param timeout how long to wait before killing it
     * @param environment extra environment variables
     * @return exit code and output
     * @throws EphemeralPostgresException if it cannot be started or times out
     */
    public Result run(List<String> command, Duration timeout, Map<String, String> environment) {
        List<String> full = new ArrayList<>();
        if (osUser != null) {
            full.add(runuser.toString());
            full.add("-u");
            full.add(osUser);
            full.add("--");
        }
        full.addAll(command);
        ProcessBuilder builder = new ProcessBuilder(full).redirectErrorStream(true);
        builder.environment().putAll(environment);
        // Tools inherit a working directory they may not be allowed to read as another user.
        builder.directory(Path.of("/").toFile());
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new EphemeralPostgresException("Could not start " + command.get(0) + ": " + e.getMessage(), e);
        }
        try {
            process.getOutputStream().close();
        } catch (IOException ignored) {
            // Nothing is ever written to the child's input; closing it is a courtesy.
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Thread pump = new Thread(() -> copy(process.getInputStream(), out), "infrakit-pg-output");
        pump.setDaemon(true);
        pump.start();
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new EphemeralPostgresException(
                        String.join(" ", command) + " did not finish within " + timeout + "; output: " + text(out));
            }
            pump.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new EphemeralPostgresException("Interrupted while running " + command.get(0), e);
        }
        return new Result(process.exitValue(), text(out));
    }

    /**
     * Runs a command and fails unless it exits with 0.
     *
     * @throws EphemeralPostgresException with the command's output when it fails
     */
    public String runChecked(List<String> command, Duration timeout, Map<String, String> environment) {
        Result result = run(command, timeout, environment);
        if (result.exitCode() != 0) {
            throw new EphemeralPostgresException(Path.of(command.get(0)).getFileName() + " failed with exit code "
                    + result.exitCode() + ": " + result.output().strip());
        }
        return result.output();
    }

    private static String text(ByteArrayOutputStream out) {
        synchronized (out) {
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        byte[] buffer = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                synchronized (out) {
                    out.write(buffer, 0, n);
                }
            }
        } catch (IOException e) {
            // The child died or was killed while we read; keep what it said and why reading stopped.
            synchronized (out) {
                out.writeBytes(("\n[output truncated: " + e.getMessage() + "]").getBytes(StandardCharsets.UTF_8));
            }
        }
    }
}
