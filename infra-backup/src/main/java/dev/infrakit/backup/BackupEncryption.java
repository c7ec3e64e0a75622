package dev.infrakit.backup;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Client-side encryption of backup artifacts: AES-256-GCM in fixed-size chunks, so an artifact of
 * any size is encrypted and verified in bounded memory, and no byte of plaintext is released before
 * the chunk it belongs to is authenticated.
 *
 * <p>Format (version 1): a header — {@code IKBE}, the version, the chunk size, the key id, a random
 * 32-byte salt — then the chunks, each {@code chunkSize} bytes of plaintext (the last one 0 to
 * {@code chunkSize}) encrypted with a 16-byte tag. Each artifact has its own AES key, derived from
 * the backup key and the salt with HKDF-SHA-256, so nonces never repeat across artifacts; a chunk's
 * nonce is its index and a final-chunk flag, and the whole header is authenticated with every chunk.
 * So a chunk moved, swapped with one of another artifact, dropped from the end, or followed by
 * anything, fails; so does a changed header (another key id, another chunk size) and the wrong key.
 *
 * <p>What it does not hide: the key id, the artifact's size (to within one chunk's tag), and
 * whatever the storage shows (object names, times).
 */
public final class BackupEncryption {
    /** The default chunk of plaintext: 64 KiB. */
    public static final int DEFAULT_CHUNK_SIZE = 64 * 1024;
    /** The smallest chunk size accepted. */
    public static final int MIN_CHUNK_SIZE = 1024;
    /** The largest chunk size accepted (and read: a header claiming more is refused). */
    public static final int MAX_CHUNK_SIZE = 4 * 1024 * 1024;

    private static final byte[] MAGIC = {'I', 'K', 'B', 'E'};
    private static final int VERSION = 1;
    private static final int SALT_BYTES = 32;
    private static final int TAG_BYTES = 16;
    private static final byte[] INFO = "infrakit backup artifact v1".getBytes(StandardCharsets.US_ASCII);
    private static final SecureRandom RANDOM = new SecureRandom();

    private BackupEncryption() {
    }

    /**
     * A stream encrypting what is written to it into {@code out} under the current key of
     * {@code keys}, in chunks of {@link #DEFAULT_CHUNK_SIZE}. Closing it writes the final chunk and
     * closes {@code out}; an artifact whose stream was not closed is truncated and fails to decrypt.
     */
    public static OutputStream encrypt(OutputStream out, BackupKeys keys) throws IOException {
        return encrypt(out, keys, DEFAULT_CHUNK_SIZE);
    }

    /**
     * As {@link #encrypt(OutputStream, BackupKeys)}, in chunks of {@code chunkSize} bytes.
     *
     * @throws IllegalArgumentException if {@code chunkSize} is outside {@link #MIN_CHUNK_SIZE} to {@link #MAX_CHUNK_SIZE}
     */
    public static OutputStream encrypt(OutputStream out, BackupKeys keys, int chunkSize) throws IOException {
        Objects.requireNonNull(out, "out");
        Objects.requireNonNull(keys, "keys");
        if (chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) {
            throw new IllegalArgumentException("chunkSize must be " + MIN_CHUNK_SIZE + " to " + MAX_CHUNK_SIZE + " bytes, got "
                    + chunkSize);
        }
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        String keyId = keys.currentId();
        byte[] header = header(chunkSize, keyId, salt);
        byte[] key = keys.key(keyId).orElseThrow();
        try {
            Encrypting stream = new Encrypting(out, new Chunks(derive(key, salt), header), chunkSize);
            out.write(header);
            return stream;
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    /**
     * A stream of the plaintext of the encrypted artifact {@code in}, under whichever key of
     * {@code keys} it names. Each chunk is authenticated before any of its bytes are returned; the
     * end of the artifact is checked when {@code in} ends.
     *
     * @throws BackupDecryptionException (on reading) if the artifact is not one, names a key not
     *     held, or fails authentication (altered, reordered, truncated, extended, or another key)
     */
    public static InputStream decrypt(InputStream in, BackupKeys keys) {
        return new Decrypting(Objects.requireNonNull(in, "in"), Objects.requireNonNull(keys, "keys"));
    }

    /**
     * The id of the key the encrypted artifact {@code in} names, reading only its header.
     *
     * @throws BackupDecryptionException if it is not an encrypted artifact
     */
    public static String keyId(InputStream in) throws IOException {
        return Header.read(in).keyId;
    }

    private static byte[] header(int chunkSize, String keyId, byte[] salt) {
        byte[] id = keyId.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(MAGIC.length + 1 + 4 + 1 + id.length + SALT_BYTES);
        b.put(MAGIC).put((byte) VERSION).putInt(chunkSize).put((byte) id.length).put(id).put(salt);
        return b.array();
    }

    /** HKDF-SHA-256 (RFC 5869) of {@code key} with {@code salt}: the artifact's 32-byte AES key. */
    private static byte[] derive(byte[] key, byte[] salt) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(salt, "HmacSHA256"));
            byte[] prk = mac.doFinal(key);
            mac.init(new SecretKeySpec(prk, "HmacSHA256"));
            Arrays.fill(prk, (byte) 0);
            mac.update(INFO);
            mac.update((byte) 1);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA-256 is not available", e);
        }
    }

    /** The parsed header of an encrypted artifact, and its bytes (authenticated with every chunk). */
    private static final class Header {
        final int chunkSize;
        final String keyId;
        final byte[] salt;
        final byte[] bytes;

        private Header(int chunkSize, String keyId, byte[] salt, byte[] bytes) {
            this.chunkSize = chunkSize;
            this.keyId = keyId;
            this.salt = salt;
            this.bytes = bytes;
        }

        static Header read(InputStream in) throws IOException {
            DataInputStream data = new DataInputStream(in);
            try {
                byte[] magic = new byte[MAGIC.length];
                data.readFully(magic);
                if (!Arrays.equals(magic, MAGIC)) {
                    throw new BackupDecryptionException("Not an encrypted backup artifact: it does not start with the "
                            + "IKBE header (a plaintext artifact, or another file)");
                }
                int version = data.readUnsignedByte();
                if (version != VERSION) {
                    throw new BackupDecryptionException("Encrypted backup artifact of format version " + version
                            + "; this version reads format " + VERSION);
                }
                int chunkSize = data.readInt();
                if (chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) {
                    throw new BackupDecryptionException("Encrypted backup artifact claims chunks of " + chunkSize
                            + " bytes, outside " + MIN_CHUNK_SIZE + " to " + MAX_CHUNK_SIZE + ": its header is damaged");
                }
                byte[] id = new byte[data.readUnsignedByte()];
                data.readFully(id);
                byte[] salt = new byte[SALT_BYTES];
                data.readFully(salt);
                String keyId = new String(id, StandardCharsets.US_ASCII);
                return new Header(chunkSize, keyId, salt, header(chunkSize, keyId, salt));
            } catch (EOFException e) {
                throw new BackupDecryptionException("Encrypted backup artifact ends inside its header: truncated");
            }
        }
    }

    /** The AES-GCM of one artifact: each chunk's nonce is its index and the final flag. */
    private static final class Chunks {
        private final SecretKeySpec key;
        private final byte[] header;
        private final Cipher cipher;
        private final byte[] nonce = new byte[12];

        Chunks(byte[] key, byte[] header) {
            this.key = new SecretKeySpec(key, "AES");
            Arrays.fill(key, (byte) 0);
            this.header = header;
            try {
                this.cipher = Cipher.getInstance("AES/GCM/NoPadding");
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("AES/GCM is not available", e);
            }
        }

        private GCMParameterSpec spec(long index, boolean last) {
            ByteBuffer.wrap(nonce).putLong(0, index).put(11, (byte) (last ? 1 : 0));
            return new GCMParameterSpec(TAG_BYTES * 8, nonce);
        }

        int seal(long index, boolean last, byte[] plain, int length, byte[] out) throws GeneralSecurityException {
            cipher.init(Cipher.ENCRYPT_MODE, key, spec(index, last));
            cipher.updateAAD(header);
            return cipher.doFinal(plain, 0, length, out, 0);
        }

        int open(long index, boolean last, byte[] sealed, int length, byte[] out) throws GeneralSecurityException {
            cipher.init(Cipher.DECRYPT_MODE, key, spec(index, last));
            cipher.updateAAD(header);
            return cipher.doFinal(sealed, 0, length, out, 0);
        }
    }

    private static final class Encrypting extends FilterOutputStream {
        private final Chunks chunks;
        private final byte[] plain;
        private final byte[] sealed;
        private int filled;
        private long index;
        private boolean closed;

        Encrypting(OutputStream out, Chunks chunks, int chunkSize) {
            super(out);
            this.chunks = chunks;
            this.plain = new byte[chunkSize];
            this.sealed = new byte[chunkSize + TAG_BYTES];
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (closed) {
                throw new IOException("The encrypting stream is closed");
            }
            while (len > 0) {
                if (filled == plain.length) {
                    // Full, and more follows: not the last chunk.
                    flushChunk(false);
                }
                int n = Math.min(len, plain.length - filled);
                System.arraycopy(b, off, plain, filled, n);
                filled += n;
                off += n;
                len -= n;
            }
        }

        private void flushChunk(boolean last) throws IOException {
            try {
                int n = chunks.seal(index++, last, plain, filled, sealed);
                out.write(sealed, 0, n);
                filled = 0;
            } catch (GeneralSecurityException e) {
                throw new IOException("Encrypting a backup chunk failed: " + e.getMessage(), e);
            }
        }

        @Override
        public void flush() throws IOException {
            out.flush(); // a partial chunk waits: only whole chunks (and the final one) are written
        }

        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            try {
                flushChunk(true);
                Arrays.fill(plain, (byte) 0);
            } finally {
                out.close();
            }
        }
    }

    private static final class Decrypting extends InputStream {
        private final InputStream in;
        private final BackupKeys keys;
        private Chunks chunks;
        private byte[] sealed;
        private byte[] plain;
        private int position;
        private int limit;
        private long index;
        private boolean done;
        /** A byte read past a full chunk to learn whether more follows (-2: none pending). */
        private int pending = -2;

        Decrypting(InputStream in, BackupKeys keys) {
            this.in = in;
            this.keys = keys;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
                return 0;
            }
            while (position == limit) {
                if (done) {
                    return -1;
                }
                nextChunk();
            }
            int n = Math.min(len, limit - position);
            System.arraycopy(plain, position, b, off, n);
            position += n;
            return n;
        }

        private void nextChunk() throws IOException {
            if (chunks == null) {
                Header header = Header.read(in);
                byte[] key = keys.key(header.keyId).orElseThrow(() -> new BackupDecryptionException(
                        "Encrypted backup artifact is under backup key '" + header.keyId + "', which is not held (current key '"
                                + keys.currentId() + "'): keep the old key to read backups made under it"));
                chunks = new Chunks(derive(key, header.salt), header.bytes);
                Arrays.fill(key, (byte) 0);
                sealed = new byte[header.chunkSize + TAG_BYTES];
                plain = new byte[header.chunkSize];
            }
            int n = 0;
            if (pending >= 0) {
                sealed[n++] = (byte) pending;
                pending = -2;
            }
            n += in.readNBytes(sealed, n, sealed.length - n);
            boolean last;
            if (n < sealed.length) {
                last = true;
            } else {
                int next = in.read();
                last = next < 0;
                pending = next;
            }
            if (n < TAG_BYTES) {
                throw new BackupDecryptionException("Encrypted backup artifact ends inside chunk " + index
                        + " (" + n + " bytes where at least " + TAG_BYTES + " were due): truncated");
            }
            try {
                limit = chunks.open(index, last, sealed, n, plain);
            } catch (AEADBadTagException e) {
                throw failure(last, n);
            } catch (GeneralSecurityException e) {
                throw new BackupDecryptionException("Decrypting chunk " + index + " failed: " + e.getMessage(), e);
            }
            position = 0;
            index++;
            done = last;
        }

        /** Why chunk {@code index} failed: say truncated or extended when the other flag opens it. */
        private BackupDecryptionException failure(boolean last, int n) {
            try {
                chunks.open(index, !last, sealed, n, new byte[plain.length]);
                return new BackupDecryptionException(last
                        ? "Encrypted backup artifact ends after chunk " + index + " without its final chunk: truncated"
                        : "Encrypted backup artifact has data after its final chunk (" + index + "): extended or damaged");
            } catch (GeneralSecurityException stillBad) {
                return new BackupDecryptionException("Chunk " + index + " of the encrypted backup artifact fails "
                        + "authentication: the artifact was altered or its chunks reordered, or it was not encrypted "
                        + "with backup key '" + chunksKeyId() + "' as its header says");
            }
        }

        private String chunksKeyId() {
            int idLength = chunks.header[MAGIC.length + 5] & 0xff;
            return new String(chunks.header, MAGIC.length + 6, idLength, StandardCharsets.US_ASCII);
        }

        @Override
        public void close() throws IOException {
            done = true;
            if (plain != null) {
                Arrays.fill(plain, (byte) 0);
            }
            in.close();
        }
    }
}
