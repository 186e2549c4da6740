package io.nacre.s3.checksum;

/**
 * Combines two reflected CRCs into the CRC of the concatenated data, given only the length of the
 * second part: crc(A || B) = crc(A) * x^(8 * len(B)) mod P xor crc(B). Valid for CRCs whose initial
 * value and final xor are equal (all ones for CRC32, CRC32C and CRC64NVME), as their effects cancel.
 * This is what lets a multipart upload's full-object CRC be computed from its parts' CRCs.
 */
public final class CrcCombine {

    private final int width;
    private final long poly;
    /** x^(2^k) mod P, reflected. */
    private final long[] powers = new long[72];

    public static final CrcCombine CRC32 = new CrcCombine(32, 0xedb88320L);
    public static final CrcCombine CRC32C = new CrcCombine(32, 0x82f63b78L);
    public static final CrcCombine CRC64NVME = new CrcCombine(64, Crc64Nvme.POLY_REFLECTED);

    private CrcCombine(int width, long polyReflected) {
        this.width = width;
        this.poly = polyReflected;
        powers[0] = 1L << (width - 2); // x^1
        for (int k = 1; k < powers.length; k++) {
            powers[k] = multiply(powers[k - 1], powers[k - 1]);
        }
    }

    /** The CRC of A || B from crc(A), crc(B) and the byte length of B. */
    public long combine(long crcA, long crcB, long lengthB) {
        if (lengthB < 0) {
            throw new IllegalArgumentException("negative length: " + lengthB);
        }
        return multiply(xPow8n(lengthB), crcA) ^ crcB;
    }

    /** x^(8n) mod P. */
    long xPow8n(long n) {
        long p = 1L << (width - 1); // x^0
        int k = 3; // 8 = 2^3
        while (n != 0) {
            if ((n & 1) != 0) {
                p = multiply(powers[k], p);
            }
            n >>>= 1;
            k++;
        }
        return p;
    }

    /** a * b mod P, both reflected. */
    long multiply(long a, long b) {
        long m = 1L << (width - 1);
        long p = 0;
        long mask = width == 64 ? -1L : (1L << width) - 1;
        while (m != 0) {
            if ((a & m) != 0) {
                p ^= b;
            }
            m >>>= 1;
            b = (b & 1) != 0 ? (b >>> 1) ^ poly : b >>> 1;
        }
        return p & mask;
    }
}
