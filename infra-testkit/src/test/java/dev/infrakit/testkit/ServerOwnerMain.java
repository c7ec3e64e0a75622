package dev.infrakit.testkit;

/**
 * Run in a child JVM by {@link CleanupIT}: starts the JVM's shared server, prints
 * {@code READY <postmaster pid> <data dir>}, then either exits normally ({@code exit}) or waits
 * until it is killed ({@code wait}).
 */
public final class ServerOwnerMain {
    private ServerOwnerMain() {
    }

    public static void main(String[] args) throws Exception {
        EphemeralPostgres server = EphemeralPostgres.shared();
        System.out.println("READY " + server.pid() + " " + server.dataDirectory());
        System.out.flush();
        if ("wait".equals(args[0])) {
            // Blocks until the parent kills this JVM; reading stdin never returns while it is open.
            System.in.read();
        }
    }
}
