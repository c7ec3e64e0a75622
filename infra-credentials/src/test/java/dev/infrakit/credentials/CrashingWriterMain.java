package dev.infrakit.credentials;

import java.nio.file.Path;
import java.util.Map;

/**
 * Run in a child JVM by {@link FileStoreCrashIT}: opens the store ({@code args[0]} layout,
 * {@code args[1]} location), prints {@code OPEN}, then for ever writes value {@code n} (counting
 * from {@code args[2]}) to one of five credentials, printing {@code ACK <name> <version> <n>} after
 * each write returns, until it is killed.
 */
public final class CrashingWriterMain {
    static final int CREDENTIALS = 5;

    private CrashingWriterMain() {
    }

    public static void main(String[] args) {
        KeyRing ring = KeyRing.of(MasterKey.fromEnvironment(FileStoreChild.KEY_VARIABLE));
        FileCredentialStore store = FileStoreChild.open(args[0], Path.of(args[1]), ring);
        System.out.println("OPEN");
        System.out.flush();
        for (int n = Integer.parseInt(args[2]); ; n++) {
            String name = "crash/c" + (n % CREDENTIALS);
            int version = store.put(name, SecretValue.ofFields(Map.of("n", Integer.toString(n), "pad", "x".repeat(n % 500))));
            if (n % 7 == 0) {
                store.setCustomMetadata(name, Map.of("last", Integer.toString(n)));
            }
            System.out.println("ACK " + name + " " + version + " " + n);
            System.out.flush();
        }
    }
}
