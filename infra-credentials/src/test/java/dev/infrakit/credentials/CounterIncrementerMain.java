package dev.infrakit.credentials;

import java.nio.file.Path;
import java.util.Map;

/**
 * Run in a child JVM by {@link FileStoreMultiProcessIT}: opens the store ({@code args[0]} layout,
 * {@code args[1]} location), prints {@code READY}, waits for a line on stdin, then makes
 * {@code args[2]} check-and-set increments of the credential {@code counter} and prints
 * {@code DONE <conflicts>}.
 */
public final class CounterIncrementerMain {
    private CounterIncrementerMain() {
    }

    public static void main(String[] args) throws Exception {
        KeyRing ring = KeyRing.of(MasterKey.fromEnvironment(FileStoreChild.KEY_VARIABLE));
        try (FileCredentialStore store = FileStoreChild.open(args[0], Path.of(args[1]), ring)) {
            System.out.println("READY");
            System.out.flush();
            if (System.in.read() < 0) {
                throw new IllegalStateException("The parent closed stdin before saying go");
            }
            int conflicts = FileStoreMultiProcessIT.increment(store, Integer.parseInt(args[2]));
            System.out.println("DONE " + conflicts);
            System.out.flush();
        }
    }

    static Map<String, String> count(int n) {
        return Map.of("n", Integer.toString(n));
    }
}
