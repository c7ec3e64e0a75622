package dev.infrakit.auth;

import java.math.BigInteger;

/**
 * Detects RSA moduli made by the Infineon library with the ROCA flaw (CVE-2017-15361, Nemec et
 * al., CCS 2017). Its primes have the form {@code k·M + (65537^a mod M)} with M a primorial, so
 * the modulus is, modulo every small prime p dividing M, a power of 65537. For each of the first
 * primes the test checks whether {@code N mod p} lies in the subgroup 65537 generates modulo p; a
 * modulus that passes them all is flagged. A random modulus passes all of them with negligible
 * probability.
 */
final class RocaFingerprint {
    private static final int[] PRIMES = {3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79,
        83, 89, 97, 101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167};
    /** For each prime, the residues 65537 generates: bit r set when r is a power of 65537 mod p. */
    private static final long[][] SUBGROUPS = new long[PRIMES.length][];

    static {
        for (int i = 0; i < PRIMES.length; i++) {
            int p = PRIMES[i];
            long[] bits = new long[(p + 63) / 64];
            int g = 65537 % p;
            int x = 1;
            do {
                bits[x / 64] |= 1L << (x % 64);
                x = (x * g) % p;
            } while (x != 1);
            SUBGROUPS[i] = bits;
        }
    }

    private RocaFingerprint() {
    }

    static boolean matches(BigInteger modulus) {
        for (int i = 0; i < PRIMES.length; i++) {
            int r = modulus.mod(BigInteger.valueOf(PRIMES[i])).intValue();
            if ((SUBGROUPS[i][r / 64] & (1L << (r % 64))) == 0) {
                return false;
            }
        }
        return true;
    }
}
