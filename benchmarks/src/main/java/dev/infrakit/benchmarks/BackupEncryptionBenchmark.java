package dev.infrakit.benchmarks;

import dev.infrakit.backup.BackupEncryption;
import dev.infrakit.backup.BackupKeys;
import java.io.IOException;
import java.io.OutputStream;
import java.security.GeneralSecurityException;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Encrypting 1 MiB of backup: {@link BackupEncryption}'s chunked AES-256-GCM stream (64 KiB chunks,
 * a per-artifact key derived with HKDF, the header authenticated with every chunk) against the
 * JDK cipher's raw speed, AES-256-GCM over the same 1 MiB in sixteen 64 KiB {@code doFinal}s with no
 * stream, key derivation or header around it. Both write into nothing; time per MiB, so MiB/s is
 * the inverse.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class BackupEncryptionBenchmark {
    private static final int MIB = 1024 * 1024;
    private static final int CHUNK = 64 * 1024;

    private final byte[] plain = new byte[MIB];
    private final byte[] out = new byte[CHUNK + 16];
    private final byte[] nonce = new byte[12];
    private BackupKeys keys;
    private Cipher cipher;
    private SecretKeySpec key;
    private long counter;

    private static final OutputStream NOWHERE = new OutputStream() {
        @Override
        public void write(int b) {
        }

        @Override
        public void write(byte[] b, int off, int len) {
        }
    };

    @Setup
    public void setUp() throws GeneralSecurityException {
        new Random(1).nextBytes(plain);
        byte[] k = new byte[32];
        new Random(2).nextBytes(k);
        keys = BackupKeys.of("bench", k);
        key = new SecretKeySpec(k, "AES");
        cipher = Cipher.getInstance("AES/GCM/NoPadding");
    }

    /** The JDK's AES-256-GCM over 1 MiB in 64 KiB chunks, a fresh nonce each. */
    @Benchmark
    public int jdkCipherRaw() throws GeneralSecurityException {
        int written = 0;
        for (int at = 0; at < MIB; at += CHUNK) {
            java.nio.ByteBuffer.wrap(nonce).putLong(0, counter++);
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
            written += cipher.doFinal(plain, at, CHUNK, out, 0);
        }
        return written;
    }

    /** The same 1 MiB through {@link BackupEncryption#encrypt}, written in 8 KiB pieces as a copy does. */
    @Benchmark
    public int backupEncryption() throws IOException {
        try (OutputStream enc = BackupEncryption.encrypt(NOWHERE, keys)) {
            for (int at = 0; at < MIB; at += 8192) {
                enc.write(plain, at, 8192);
            }
        }
        return plain.length;
    }
}
