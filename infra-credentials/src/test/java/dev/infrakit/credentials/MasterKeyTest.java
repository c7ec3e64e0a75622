package dev.infrakit.credentials;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MasterKeyTest {

    @Test
    void aKeyRoundTripsThroughBase64AndItsIdIsDerivedFromIt() {
        MasterKey key = MasterKey.generate();
        MasterKey same = MasterKey.fromBase64("  " + key.toBase64() + "\n");
        assertEquals(key, same);
        assertEquals(key.id(), same.id());
        assertTrue(key.id().matches("mk-[A-Za-z0-9_-]{12}"), key.id());
        assertNotEquals(key.id(), MasterKey.generate().id());
        String urlSafe = Base64.getUrlEncoder().encodeToString(Base64.getDecoder().decode(key.toBase64()));
        assertEquals(key, MasterKey.fromBase64(urlSafe));
        assertEquals("MasterKey[" + key.id() + "]", key.toString());
        assertFalse(key.toString().contains(key.toBase64()));
    }

    @Test
    void derivedKeysDifferByPurposeAndAreStable() {
        MasterKey key = MasterKey.of(new byte[32]);
        assertEquals(32, key.derive("a").length);
        assertEquals(Base64.getEncoder().encodeToString(key.derive("a")), Base64.getEncoder().encodeToString(
                MasterKey.of(new byte[32]).derive("a")));
        assertNotEquals(Base64.getEncoder().encodeToString(key.derive("a")),
                Base64.getEncoder().encodeToString(key.derive("b")));
    }

    @Test
    void badKeysAreRefusedWithoutEchoingThem() {
        String notBase64 = "this is not base64 at all!!";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MasterKey.fromBase64(notBase64));
        assertFalse(e.getMessage().contains(notBase64));
        assertTrue(e.getMessage().contains("not valid base64"), e.getMessage());
        String shortKey = Base64.getEncoder().encodeToString(new byte[16]);
        e = assertThrows(IllegalArgumentException.class, () -> MasterKey.fromBase64(shortKey));
        assertTrue(e.getMessage().contains("decodes to 16 bytes; expected 32"), e.getMessage());
        assertFalse(e.getMessage().contains(shortKey));
        e = assertThrows(IllegalArgumentException.class, () -> MasterKey.fromEnvironment("INFRAKIT_TEST_NO_SUCH_VARIABLE"));
        assertTrue(e.getMessage().contains("INFRAKIT_TEST_NO_SUCH_VARIABLE"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MasterKey.of(new byte[31]));
    }

    @Test
    void aGeneratedKeyFileIsOwnerOnlyAndReadsBack(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("keys/master.key");
        MasterKey key = MasterKey.generateToFile(file);
        assertEquals(key, MasterKey.fromFile(file));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        IllegalArgumentException exists = assertThrows(IllegalArgumentException.class, () -> MasterKey.generateToFile(file));
        assertTrue(exists.getMessage().contains("Refusing to create the master key file"), exists.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> MasterKey.fromFile(dir.resolve("none.key")));
        assertTrue(missing.getMessage().contains("Cannot read the master key file"), missing.getMessage());
        Files.writeString(dir.resolve("short.key"), Base64.getEncoder().encodeToString(new byte[8]));
        Files.setPosixFilePermissions(dir.resolve("short.key"), PosixFilePermissions.fromString("rw-------"));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> MasterKey.fromFile(dir.resolve("short.key")));
        assertTrue(bad.getMessage().startsWith("The master key in " + dir.resolve("short.key")), bad.getMessage());
    }

    @Test
    void aKeyRingRotatesAndDropsOldKeys() {
        MasterKey a = MasterKey.generate();
        MasterKey b = MasterKey.generate();
        KeyRing ring = KeyRing.of(a).withPrimary(b);
        assertEquals(b, ring.primary());
        assertEquals(java.util.List.of(b.id(), a.id()), ring.ids());
        assertTrue(ring.find(a.id()).isPresent());
        KeyRing dropped = ring.without(a.id());
        assertEquals(java.util.List.of(b.id()), dropped.ids());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ring.without(b.id()));
        assertTrue(e.getMessage().contains("Cannot remove the primary key"), e.getMessage());
    }
}
