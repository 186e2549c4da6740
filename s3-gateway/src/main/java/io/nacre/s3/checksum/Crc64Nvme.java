package io.nacre.s3.checksum;

import java.nio.ByteBuffer;
import java.util.zip.Checksum;

/**
 * CRC-64/NVME (the NVMe command set's 64-bit CRC, S3's x-amz-checksum-crc64nvme): reflected polynomial
 * 0xad93d23594c93659, initial value and final xor all ones. Table-driven, eight bytes a step.
 */
public final class Crc64Nvme implements Checksum {

    /** The polynomial in reflected (LSB-first) form. */
    static final long POLY_REFLECTED = 0x9a6c9329ac4bc9b5L;

    private static final long[][] TABLES = new long[8][256];

    static {
        for (int n = 0; n < 256; n++) {
            long c = n;
            for (int k = 0; k < 8; k++) {
                c = (c & 1) != 0 ? (c >>> 1) ^ POLY_REFLECTED : c >>> 1;
            }
            TABLES[0][n] = c;
        }
        for (int n = 0; n < 256; n++) {
            long c = TABLES[0][n];
            for (int t = 1; t < 8; t++) {
                c = TABLES[0][(int) (c & 0xff)] ^ (c >>> 8);
                TABLES[t][n] = c;
            }
        }
    }

    private long crc = ~0L;

    @Override
    public void update(int b) {
        crc = TABLES[0][(int) ((crc ^ b) & 0xff)] ^ (crc >>> 8);
    }

    @Override
    public void update(byte[] b, int off, int len) {
        long c = crc;
        int i = off;
        int end = off + len;
        while (end - i >= 8) {
            long v = (b[i] & 0xffL) | (b[i + 1] & 0xffL) << 8 | (b[i + 2] & 0xffL) << 16 | (b[i + 3] & 0xffL) << 24
                    | (b[i + 4] & 0xffL) << 32 | (b[i + 5] & 0xffL) << 40 | (b[i + 6] & 0xffL) << 48
                    | (b[i + 7] & 0xffL) << 56;
            c = step8(c ^ v);
            i += 8;
        }
        while (i < end) {
            c = TABLES[0][(int) ((c ^ b[i]) & 0xff)] ^ (c >>> 8);
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
        ByteBuffer le = buffer.duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN);
        while (le.remaining() >= 8) {
            c = step8(c ^ le.getLong());
        }
        while (le.hasRemaining()) {
            c = TABLES[0][(int) ((c ^ le.get()) & 0xff)] ^ (c >>> 8);
        }
        buffer.position(buffer.limit());
        crc = c;
    }

    private static long step8(long x) {
        return TABLES[7][(int) (x & 0xff)] ^ TABLES[6][(int) ((x >>> 8) & 0xff)]
                ^ TABLES[5][(int) ((x >>> 16) & 0xff)] ^ TABLES[4][(int) ((x >>> 24) & 0xff)]
                ^ TABLES[3][(int) ((x >>> 32) & 0xff)] ^ TABLES[2][(int) ((x >>> 40) & 0xff)]
                ^ TABLES[1][(int) ((x >>> 48) & 0xff)] ^ TABLES[0][(int) (x >>> 56)];
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
