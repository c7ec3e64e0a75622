package dev.infrakit.credentials;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts {@code main} classes of the test sources in a child JVM on the test class path, with the
 * master key in an environment variable (never on the command line).
 */
final class FileStoreChild {
    static final String KEY_VARIABLE = "INFRAKIT_TEST_MASTER_KEY";

    private FileStoreChild() {
    }

    /** The store a child opens: {@code layout} is "directory" or "file". */
    static FileCredentialStore open(String layout, Path location, KeyRing ring) {
        return (layout.equals("directory") ? FileCredentialStore.directory(location, ring)
                : FileCredentialStore.singleFile(location, ring)).build();
    }

    static Process start(Class<?> main, MasterKey key, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put(KEY_VARIABLE, key.toBase64());
        return builder.start();
    }

    static BufferedReader output(Process child) {
        return new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
    }
}
