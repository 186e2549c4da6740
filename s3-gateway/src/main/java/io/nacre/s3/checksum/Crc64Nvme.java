package io.nacre.s3.checksum;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;
import java.util.zip.Checksum;

/**
 * CRC-64/NVME (the NVMe command set's 64-bit CRC, S3's x-amz-checksum-crc64nvme): reflected polynomial
 * 0xad93d23594c93659, initial value and final xor all ones. Table-driven, eight bytes a step; blocks
 * of 1 KiB run four such chains side by side over their four quarters (each step of a chain waits for
 * the one before, the four do not wait for each other), joined with tables that move a register over
 * a quarter's length of zero bytes ({@link CrcCombine}'s algebra, precomputed): about twice the bytes
 * per CPU second of one chain.
 */
public final class Crc64Nvme implements Checksum {

    /** The polynomial in reflected (LSB-first) form. */
    static final long POLY_REFLECTED = 0x9a6c9329ac4bc9b5L;

    /** Bytes of one of the four chains of a block. */
    static final int LANE = 256;
    /** Blocks of this many bytes run four chains; a shorter rest, one. */
    static final int BLOCK = 4 * LANE;

    /**
     * Table t (entries [t * 256, t * 256 + 256)): the register after byte n followed by t zero bytes, so
     * that eight bytes fold in one step, the first through table 7 and the last through table 0.
     */
    private static final long[] T = new long[8 * 256];
    /** Table k: byte n at bit 8k of a register, moved over {@link #LANE} zero bytes. */
    private static final long[] SHIFT = new long[8 * 256];
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    static {
        for (int n = 0; n < 256; n++) {
            long c = n;
            for (int k = 0; k < 8; k++) {
                c = (c & 1) != 0 ? (c >>> 1) ^ POLY_REFLECTED : c >>> 1;
            }
            T[n] = c;
        }
        for (int n = 0; n < 256; n++) {
            long c = T[n];
            for (int t = 1; t < 8; t++) {
                c = T[(int) (c & 0xff)] ^ (c >>> 8);
                T[t << 8 | n] = c;
            }
        }
        long xLane = CrcCombine.CRC64NVME.xPow8n(LANE);
        for (int k = 0; k < 8; k++) {
            for (int n = 0; n < 256; n++) {
                SHIFT[k << 8 | n] = CrcCombine.CRC64NVME.multiply(xLane, (long) n << (8 * k));
            }
        }
    }

    private long crc = ~0L;

    @Override
    public void update(int b) {
        crc = T[(int) ((crc ^ b) & 0xff)] ^ (crc >>> 8);
    }

    @Override
    public void update(byte[] b, int off, int len) {
        Objects.checkFromIndexSize(off, len, b.length);
        long c = crc;
        int i = off;
        int end = off + len;
        for (; end - i >= BLOCK; i += BLOCK) {
            long c0 = c;
            long c1 = 0;
            long c2 = 0;
            long c3 = 0;
            for (int k = i; k < i + LANE; k += 8) {
                c0 = step8(c0 ^ (long) LONG_LE.get(b, k));
                c1 = step8(c1 ^ (long) LONG_LE.get(b, k + LANE));
                c2 = step8(c2 ^ (long) LONG_LE.get(b, k + 2 * LANE));
                c3 = step8(c3 ^ (long) LONG_LE.get(b, k + 3 * LANE));
            }
            c = shift(shift(shift(c0) ^ c1) ^ c2) ^ c3;
        }
        while (end - i >= 8) {
            c = step8(c ^ (long) LONG_LE.get(b, i));
            i += 8;
        }
        while (i < end) {
            c = T[(int) ((c ^ b[i]) & 0xff)] ^ (c >>> 8);
            i++;
        }
        crc = c;
    }

    @Override
    public void update(ByteBuffer buffer) {
        if (buffer.hasArray()) {
            int pos = buffer.position();
            update(buffer.array(), buffer.arrayOffset() + pos, buffer.remaining());
            buffer.position(buffer.limit());
            return;
        }
        long c = crc;
        ByteBuffer le = buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        while (le.remaining() >= BLOCK) {
            int i = le.position();
            long c0 = c;
            long c1 = 0;
            long c2 = 0;
            long c3 = 0;
            for (int k = i; k < i + LANE; k += 8) {
                c0 = step8(c0 ^ le.getLong(k));
                c1 = step8(c1 ^ le.getLong(k + LANE));
                c2 = step8(c2 ^ le.getLong(k + 2 * LANE));
                c3 = step8(c3 ^ le.getLong(k + 3 * LANE));
            }
            c = shift(shift(shift(c0) ^ c1) ^ c2) ^ c3;
            le.position(i + BLOCK);
        }
        while (le.remaining() >= 8) {
            c = step8(c ^ le.getLong());
        }
        while (le.hasRemaining()) {
            c = T[(int) ((c ^ le.get()) & 0xff)] ^ (c >>> 8);
        }
        buffer.position(buffer.limit());
        crc = c;
    }

    /**
     * A register moved over {@link #LANE} zero bytes. The register is linear in its start and the data,
     * so the one after A || B is that after A moved over |B| zero bytes xor that of B run from zero:
     * that joins a block's four chains (the last three run from zero).
     */
    private static long shift(long x) {
        return SHIFT[(int) (x & 0xff)] ^ SHIFT[1 << 8 | (int) ((x >>> 8) & 0xff)]
                ^ SHIFT[2 << 8 | (int) ((x >>> 16) & 0xff)] ^ SHIFT[3 << 8 | (int) ((x >>> 24) & 0xff)]
                ^ SHIFT[4 << 8 | (int) ((x >>> 32) & 0xff)] ^ SHIFT[5 << 8 | (int) ((x >>> 40) & 0xff)]
                ^ SHIFT[6 << 8 | (int) ((x >>> 48) & 0xff)] ^ SHIFT[7 << 8 | (int) (x >>> 56)];
    }

    private static long step8(long x) {
        return T[7 << 8 | (int) (x & 0xff)] ^ T[6 << 8 | (int) ((x >>> 8) & 0xff)]
                ^ T[5 << 8 | (int) ((x >>> 16) & 0xff)] ^ T[4 << 8 | (int) ((x >>> 24) & 0xff)]
                ^ T[3 << 8 | (int) ((x >>> 32) & 0xff)] ^ T[2 << 8 | (int) ((x >>> 40) & 0xff)]
                ^ T[1 << 8 | (int) ((x >>> 48) & 0xff)] ^ T[(int) (x >>> 56)];
    }

    @Override
    public long getValue() {
        return ~crc;
    }

    @Override
    public void reset() {
        crc = ~0L;
    }
}
