package dev.infrakit.credentials;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The master key file rules on a real POSIX file system: what an attacker who shares the machine
 * could plant or loosen is refused, as OpenSSH refuses such private keys, and key generation never
 * writes through something planted at its path.
 */
class MasterKeyFileIT {
    private static final String KEY = MasterKey.generate().toBase64();

    private static Path keyFile(Path dir, String mode) throws Exception {
        Path file = dir.resolve("master.key");
        Files.writeString(file, KEY + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
        return file;
    }

    private static void assertRefused(Path file, String why) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MasterKey.fromFile(file));
        assertTrue(e.getMessage().startsWith("Refusing the master key file " + file + ": it "), e.getMessage());
        assertTrue(e.getMessage().contains(why), e.getMessage());
        assertFalse(e.getMessage().contains(KEY), "the key leaked into the message");
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }

    @Test
    void anOwnerOnlyFileIsAccepted(@TempDir Path dir) throws Exception {
        assertEquals(MasterKey.fromBase64(KEY), MasterKey.fromFile(keyFile(dir, "rw-------")));
        assertEquals(MasterKey.fromBase64(KEY), MasterKey.fromFile(keyFile(dir, "r--------")));
    }

    @Test
    void aFileOthersOrTheGroupCanReadIsRefused(@TempDir Path dir) throws Exception {
        assertRefused(keyFile(dir, "rw-r--r--"), "is accessible by its group or others (mode 0644); run chmod 600");
        assertRefused(keyFile(dir, "rw-r-----"), "(mode 0640)");
        assertRefused(keyFile(dir, "rw-----w-"), "(mode 0602)");
    }

    @Test
    void aSymbolicLinkIsRefusedEvenToAnOwnerOnlyKey(@TempDir Path dir) throws Exception {
        Path real = keyFile(dir, "rw-------");
        Path link = Files.createSymbolicLink(dir.resolve("linked.key"), real);
        assertRefused(link, "is a symbolic link");
    }

    @Test
    void aFileOwnedByAnotherUserIsRefused(@TempDir Path dir) throws Exception {
        assertEquals("root", System.getProperty("user.name"), "this test chowns a file: it runs as root, as CI does");
        Path file = keyFile(dir, "rw-------");
        UserPrincipal nobody = file.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
        Files.setOwner(file, nobody);
        assertRefused(file, "is owned by nobody, not by root who runs this process; chown it");
    }

    @Test
    void aDirectoryOthersCanWriteIsWarnedAbout(@TempDir Path dir) throws Exception {
        Path shared = Files.createDirectory(dir.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path file = keyFile(shared, "rw-------");
        Logger logger = (Logger) LoggerFactory.getLogger(dev.infrakit.core.io.SecretFiles.class); // the key file checks are shared
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try {
            assertEquals(MasterKey.fromBase64(KEY), MasterKey.fromFile(file));
        } finally {
            logger.detachAppender(appender);
        }
        assertEquals(1, appender.list.size(), appender.list.toString());
        assertTrue(appender.list.get(0).getFormattedMessage().contains("is writable by its group or others (mode 0777)"),
                appender.list.get(0).getFormattedMessage());
    }

    @Test
    void generationNeverWritesIntoAFilePlantedAtThePath(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("master.key");
        Files.writeString(file, "planted by someone else\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-rw-"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MasterKey.generateToFile(file));
        assertTrue(e.getMessage().contains("something is already there"), e.getMessage());
        assertEquals("planted by someone else\n", Files.readString(file));
        assertEquals("rw-rw-rw-", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    }

    @Test
    void generationNeverFollowsALinkPlantedAtThePath(@TempDir Path dir) throws Exception {
        // A link to a file the attacker can read: writing through it would hand them the key.
        Path target = dir.resolve("attacker-readable");
        Files.writeString(target, "");
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-rw-rw-"));
        Path file = Files.createSymbolicLink(dir.resolve("master.key"), target);
        assertThrows(IllegalArgumentException.class, () -> MasterKey.generateToFile(file));
        assertEquals(0, Files.size(target), "the key was written through the link");

        // A dangling link: following it would create the file where the attacker chose.
        Path elsewhere = dir.resolve("chosen-by-attacker");
        Path dangling = Files.createSymbolicLink(dir.resolve("dangling.key"), elsewhere);
        assertThrows(IllegalArgumentException.class, () -> MasterKey.generateToFile(dangling));
        assertFalse(Files.exists(elsewhere), "a file was created through the dangling link");
        assertTrue(Files.isSymbolicLink(dangling));
    }

    /**
     * The race of the old create-then-reopen: a local attacker swaps a link in for the new, still
     * empty file between its creation and the write. Through one handle there is no such moment.
     */
    @Test
    void aLinkSwappedInWhileTheKeyIsCreatedIsNeverWrittenThrough(@TempDir Path dir) throws Exception {
        Path target = dir.resolve("attacker-readable");
        Files.writeString(target, "");
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-rw-rw-"));
        Path race = Files.createDirectory(dir.resolve("race"));
        java.util.concurrent.atomic.AtomicReference<Path> current = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicInteger swapped = new java.util.concurrent.atomic.AtomicInteger();
        Thread attacker = new Thread(() -> {
            while (!done.get()) {
                Path p = current.get();
                if (p != null && Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    try {
                        Files.delete(p);
                        Files.createSymbolicLink(p, target);
                        swapped.incrementAndGet();
                    } catch (java.io.IOException e) {
                        // lost this round
                    }
                }
            }
        });
        attacker.start();
        try {
            for (int i = 0; i < 3000 && Files.size(target) == 0; i++) {
                Path file = race.resolve(i + ".key");
                current.set(file);
                try {
                    MasterKey.generateToFile(file);
                } catch (IllegalArgumentException e) {
                    // the attacker was faster than the creation: refused, as it should be
                }
            }
        } finally {
            done.set(true);
            attacker.join();
        }
        assertTrue(swapped.get() > 0, "the attacker never got to swap a file");
        assertEquals(0, Files.size(target), "a key was written through a link swapped in during its creation ("
                + swapped.get() + " swaps)");
    }

    @Test
    void aGeneratedFileIsOwnerOnlyWhateverTheUmaskAndReadsBack(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("new/master.key");
        MasterKey key = MasterKey.generateToFile(file);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals(key.toBase64() + "\n", Files.readString(file, StandardCharsets.US_ASCII));
        assertEquals(key, MasterKey.fromFile(file));
    }
}
