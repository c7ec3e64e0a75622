package dev.infrakit.backup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The chunked AES-256-GCM format, tried as an attacker holding the off-site copy would: every way
 * of changing, moving, dropping or adding bytes fails with an error that says what, and no
 * plaintext of a failing chunk is ever returned.
 */
class BackupEncryptionTest {
    private static final int CHUNK = 1024;
    private static final int HEADER = 4 + 1 + 4 + 1 + "k1".length() + 32;
    private static final int SEALED = CHUNK + 16;

    private static byte[] key(int seed) {
        byte[] key = new byte[32];
        new Random(seed).nextBytes(key);
        return key;
    }

    private final BackupKeys keys = BackupKeys.of("k1", key(1));

    private static byte[] random(int length, int seed) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] encryptBytes(byte[] plain, BackupKeys keys, int chunkSize) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream enc = BackupEncryption.encrypt(out, keys, chunkSize)) {
            enc.write(plain);
        }
        return out.toByteArray();
    }

    private static byte[] decrypt(byte[] sealed, BackupKeys keys) throws IOException {
        try (InputStream in = BackupEncryption.decrypt(new ByteArrayInputStream(sealed), keys)) {
            return in.readAllBytes();
        }
    }

    /** Reads what it can, then the failure: the plaintext released before it, and the exception. */
    private static BackupDecryptionException failure(byte[] sealed, BackupKeys keys, ByteArrayOutputStream released) {
        return assertThrows(BackupDecryptionException.class, () -> {
            try (InputStream in = BackupEncryption.decrypt(new ByteArrayInputStream(sealed), keys)) {
                in.transferTo(released);
            }
        });
    }

    @Test
    void anyLengthRoundTripsAndTheSizeShowsOnlyToWithinAChunksTag() throws IOException {
        for (int length : new int[] {0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 17, 100_000}) {
            byte[] plain = random(length, length);
            byte[] sealed = encryptBytes(plain, keys, CHUNK);
            assertArrayEquals(plain, decrypt(sealed, keys), "length " + length);
            int chunks = Math.max(1, (length + CHUNK - 1) / CHUNK);
            assertEquals(HEADER + length + 16L * chunks, sealed.length, "length " + length);
            assertEquals("k1", BackupEncryption.keyId(new ByteArrayInputStream(sealed)));
        }
    }

    @Test
    void writesInAnyPiecesGiveTheSameArtifactFormatAndReadsInAnyPiecesTheSameBytes() throws IOException {
        byte[] plain = random(10 * CHUNK + 5, 7);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Random sizes = new Random(3);
        try (OutputStream enc = BackupEncryption.encrypt(out, keys, CHUNK)) {
            int at = 0;
            while (at < plain.length) {
                int n = Math.min(plain.length - at, sizes.nextInt(3 * CHUNK));
                if (n == 1) {
                    enc.write(plain[at]);
                } else {
                    enc.write(plain, at, n);
                }
                enc.flush();
                at += n;
            }
        }
        assertEquals(HEADER + plain.length + 16L * 11, out.size());
        ByteArrayOutputStream back = new ByteArrayOutputStream();
        try (InputStream in = BackupEncryption.decrypt(new ByteArrayInputStream(out.toByteArray()), keys)) {
            int b;
            while ((b = in.read()) >= 0) {
                back.write(b);
                byte[] some = new byte[sizes.nextInt(2000) + 1];
                int n = in.read(some);
                if (n > 0) {
                    back.write(some, 0, n);
                }
            }
        }
        assertArrayEquals(plain, back.toByteArray());
    }

    @Test
    void theSameBytesTwiceAreTwoUnrelatedArtifacts() throws IOException {
        byte[] plain = random(2 * CHUNK, 1);
        byte[] a = encryptBytes(plain, keys, CHUNK);
        byte[] b = encryptBytes(plain, keys, CHUNK);
        assertFalse(Arrays.equals(Arrays.copyOfRange(a, HEADER, a.length), Arrays.copyOfRange(b, HEADER, b.length)),
                "a fresh salt, so a fresh key, per artifact");
        int same = 0;
        for (int i = HEADER; i < a.length; i++) {
            same += a[i] == b[i] ? 1 : 0;
        }
        assertTrue(same < a.length / 64, "no shared keystream: " + same + " equal bytes");
        // Nor does the ciphertext carry the plaintext.
        byte[] zeros = new byte[4 * CHUNK];
        byte[] sealedZeros = encryptBytes(zeros, keys, CHUNK);
        assertFalse(Arrays.equals(Arrays.copyOfRange(sealedZeros, HEADER, HEADER + CHUNK), new byte[CHUNK]));
    }

    @Test
    void everyFlippedBitFailsAndNothingOfItsChunkIsReleased() throws IOException {
        byte[] plain = random(3 * CHUNK + 100, 5);
        byte[] sealed = encryptBytes(plain, keys, CHUNK);
        Random where = new Random(11);
        for (int trial = 0; trial < 300; trial++) {
            byte[] bad = sealed.clone();
            int at = trial < 40 ? trial : where.nextInt(bad.length); // every header byte, then anywhere
            bad[at] ^= (byte) (1 << where.nextInt(8));
            ByteArrayOutputStream released = new ByteArrayOutputStream();
            BackupDecryptionException e = failure(bad, keys, released);
            int chunk = at < HEADER ? 0 : (at - HEADER) / SEALED;
            assertTrue(released.size() <= chunk * CHUNK, "byte " + at + ": released " + released.size()
                    + " bytes, only the chunks before the damaged one may be");
            assertArrayEquals(Arrays.copyOf(plain, released.size()), released.toByteArray(), "what was released is genuine");
            assertFalse(e.getMessage().isBlank());
        }
    }

    @Test
    void chunksReorderedSwappedOrTakenFromAnotherArtifactFail() throws IOException {
        byte[] plain = random(4 * CHUNK, 9);
        byte[] sealed = encryptBytes(plain, keys, CHUNK);
        byte[] swapped = sealed.clone();
        System.arraycopy(sealed, HEADER, swapped, HEADER + SEALED, SEALED);
        System.arraycopy(sealed, HEADER + SEALED, swapped, HEADER, SEALED);
        assertTrue(failure(swapped, keys, new ByteArrayOutputStream()).getMessage().contains("Chunk 0"));

        byte[] other = encryptBytes(random(4 * CHUNK, 10), keys, CHUNK);
        byte[] spliced = sealed.clone();
        System.arraycopy(other, HEADER + SEALED, spliced, HEADER + SEALED, SEALED);
        assertTrue(failure(spliced, keys, new ByteArrayOutputStream()).getMessage().contains("Chunk 1"),
                "a chunk from another artifact, same key and position");

        byte[] otherHeader = sealed.clone();
        System.arraycopy(other, 0, otherHeader, 0, HEADER);
        assertTrue(failure(otherHeader, keys, new ByteArrayOutputStream()).getMessage().contains("fails authentication"),
                "another artifact's header (salt) on these chunks");
    }

    @Test
    void truncationAtAChunkBoundaryAndExtensionAreNamed() throws IOException {
        byte[] plain = random(3 * CHUNK, 2); // three full chunks, the last one final
        byte[] sealed = encryptBytes(plain, keys, CHUNK);
        byte[] cut = Arrays.copyOf(sealed, HEADER + 2 * SEALED);
        ByteArrayOutputStream released = new ByteArrayOutputStream();
        BackupDecryptionException truncated = failure(cut, keys, released);
        assertTrue(truncated.getMessage().contains("truncated"), truncated.getMessage());

        byte[] longer = Arrays.copyOf(sealed, sealed.length + 1);
        assertTrue(failure(longer, keys, new ByteArrayOutputStream()).getMessage().contains("after its final chunk"));
        byte[] duplicated = Arrays.copyOf(sealed, sealed.length + SEALED);
        System.arraycopy(sealed, HEADER + 2 * SEALED, duplicated, sealed.length, SEALED);
        assertThrows(BackupDecryptionException.class, () -> decrypt(duplicated, keys), "the final chunk twice");

        for (int length : new int[] {0, 5, HEADER - 1, HEADER, HEADER + 15, HEADER + SEALED - 1}) {
            byte[] shorter = Arrays.copyOf(sealed, length);
            BackupDecryptionException e = assertThrows(BackupDecryptionException.class, () -> decrypt(shorter, keys),
                    "cut to " + length);
            assertFalse(e.getMessage().isBlank());
        }
        byte[] noFinal = Arrays.copyOf(encryptBytes(new byte[0], keys, CHUNK), HEADER);
        assertTrue(failure(noFinal, keys, new ByteArrayOutputStream()).getMessage().contains("truncated"),
                "an empty artifact without its one (final) chunk");
    }

    @Test
    void theWrongKeyAMissingKeyAndAPlaintextFileFailSayingSo() throws IOException {
        byte[] sealed = encryptBytes(random(100, 4), keys, CHUNK);
        BackupKeys impostor = BackupKeys.of("k1", key(2));
        BackupDecryptionException wrong = failure(sealed, impostor, new ByteArrayOutputStream());
        assertTrue(wrong.getMessage().contains("backup key 'k1'"), wrong.getMessage());

        BackupDecryptionException missing = failure(sealed, BackupKeys.of("k2", key(2)), new ByteArrayOutputStream());
        assertTrue(missing.getMessage().contains("'k1', which is not held"), missing.getMessage());

        BackupDecryptionException plaintext = failure("PGDMP custom dump".getBytes(), keys, new ByteArrayOutputStream());
        assertTrue(plaintext.getMessage().contains("Not an encrypted backup artifact"), plaintext.getMessage());

        byte[] hugeChunks = sealed.clone();
        hugeChunks[5] = 0x7f; // chunk size field: 2 GiB
        assertTrue(failure(hugeChunks, keys, new ByteArrayOutputStream()).getMessage().contains("outside"),
                "a header claiming huge chunks is refused before any allocation");
        byte[] version = sealed.clone();
        version[4] = 2;
        assertTrue(failure(version, keys, new ByteArrayOutputStream()).getMessage().contains("format version 2"));
    }

    @Test
    void rotationEncryptsUnderTheNewKeyAndReadsUnderTheOldUntilItIsDropped() throws IOException {
        byte[] plain = random(2 * CHUNK + 3, 8);
        byte[] old = encryptBytes(plain, keys, CHUNK);
        BackupKeys rotated = keys.rotateTo("k2", key(2));
        byte[] fresh = encryptBytes(plain, rotated, CHUNK);
        assertEquals("k2", BackupEncryption.keyId(new ByteArrayInputStream(fresh)));
        assertArrayEquals(plain, decrypt(old, rotated), "old backups still readable");
        assertArrayEquals(plain, decrypt(fresh, rotated));
        BackupKeys dropped = rotated.without("k1");
        assertTrue(failure(old, dropped, new ByteArrayOutputStream()).getMessage().contains("not held"));
        assertArrayEquals(plain, decrypt(fresh, dropped));
        assertThrows(IllegalArgumentException.class, () -> rotated.without("k2"), "the current key stays");
        assertThrows(IllegalArgumentException.class, () -> rotated.rotateTo("k1", key(3)), "an id is never reused");
    }

    @Test
    void badKeysAndChunkSizesAreRefusedAndKeysNeverShow() {
        assertThrows(IllegalArgumentException.class, () -> BackupKeys.of("k", new byte[16]));
        assertThrows(IllegalArgumentException.class, () -> BackupKeys.of("", key(1)));
        assertThrows(IllegalArgumentException.class, () -> BackupKeys.of("bad id", key(1)));
        assertThrows(IllegalArgumentException.class, () -> BackupKeys.of("k\0", key(1)));
        assertThrows(IllegalArgumentException.class, () -> BackupKeys.of("k".repeat(65), key(1)));
        assertThrows(IllegalArgumentException.class, () -> BackupEncryption.encrypt(new ByteArrayOutputStream(), keys, 512));
        assertThrows(IllegalArgumentException.class,
                () -> BackupEncryption.encrypt(new ByteArrayOutputStream(), keys, BackupEncryption.MAX_CHUNK_SIZE + 1));
        byte[] key = key(1);
        BackupKeys held = BackupKeys.of("k1", key);
        key[0] ^= 1; // the caller's array changing later changes nothing
        assertEquals(keys.key("k1").map(Arrays::toString), held.key("k1").map(Arrays::toString));
        String shown = held.toString();
        assertFalse(shown.contains(Arrays.toString(key(1))) || shown.contains(java.util.HexFormat.of().formatHex(key(1))),
                shown);
    }
}
