package io.nacre.nfs.v41.xdr;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.function.Consumer;
import org.dcache.oncrpc4j.xdr.Xdr;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;
import org.junit.jupiter.api.Test;

class XdrBytesTest {

    /** Everything an encoder of ours may write, with every padding length and a value past the first capacity. */
    private static final Consumer<XdrEncodingStream> EVERYTHING = x -> {
        x.xdrEncodeInt(-2);
        x.xdrEncodeLong(0x8000_0000_0000_0001L);
        x.xdrEncodeBoolean(true);
        x.xdrEncodeBoolean(false);
        for (int n = 0; n <= 5; n++) {
            x.xdrEncodeDynamicOpaque(new byte[n]);
            x.xdrEncodeOpaque(new byte[] {1, 2, 3, 4, 5, 6, 7}, 1, n);
        }
        x.xdrEncodeOpaque(new byte[] {9, 9, 9}, 3);
        x.xdrEncodeString("4294967294");
        x.xdrEncodeString("Grüße, 名前");
        x.xdrEncodeString("");
        x.xdrEncodeString(null);
        x.xdrEncodeIntVector(new int[] {1, -1, 0x7fffffff});
        x.xdrEncodeIntFixedVector(new int[] {5, 6}, 2);
        x.xdrEncodeLongVector(new long[] {-1L, 1L << 40});
        x.xdrEncodeLongFixedVector(new long[] {7L}, 1);
        x.xdrEncodeByteBuffer(ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5}));
        x.xdrEncodeFloat(1.5f);
        x.xdrEncodeDouble(-2.25);
        x.xdrEncodeFloatVector(new float[] {0.5f});
        x.xdrEncodeDoubleVector(new double[] {3.0});
        x.xdrEncodeByteVector(new byte[] {-1, 2});
        x.xdrEncodeByte((byte) -3);
        x.xdrEncodeShort((short) -4);
        x.xdrEncodeShortVector(new short[] {1, -1});
        x.xdrEncodeDynamicOpaque(new byte[3000]);
    };

    private static byte[] oncrpc4j(Consumer<XdrEncodingStream> writes) {
        try (Xdr x = new Xdr(16)) {
            x.beginEncoding();
            writes.accept(x);
            x.endEncoding();
            return x.getBytes();
        }
    }

    @Test
    void writesTheBytesOncrpc4jWrites() {
        XdrBytes x = new XdrBytes(16);
        EVERYTHING.accept(x);
        assertThat(x.toByteArray()).isEqualTo(oncrpc4j(EVERYTHING));
        assertThat(x.size()).isEqualTo(x.toByteArray().length);
    }

    @Test
    void paddingIsZeroAfterTheStreamIsReused() {
        XdrBytes x = new XdrBytes(16);
        x.xdrEncodeLong(-1L);
        x.xdrEncodeLong(-1L);
        x.beginEncoding();
        x.xdrEncodeDynamicOpaque(new byte[] {7});
        x.xdrEncodeString("ab");
        assertThat(x.toByteArray()).containsExactly(0, 0, 0, 1, 7, 0, 0, 0, 0, 0, 0, 2, 'a', 'b', 0, 0);
    }

    @Test
    void anUnsignedDecimalIsItsStringAsOncrpc4jWritesIt() {
        int[] values = {0, 1, 9, 10, 99, 100, 999, 1000, 9999, 10000, 65534, 65535, 99999, 100000, 999999, 1000000,
            Integer.MAX_VALUE, Integer.MIN_VALUE, -2, -1, 1_000_000_000, 999_999_999};
        java.util.Random random = new java.util.Random(7);
        for (int round = 0; round < 1000; round++) {
            int v = round < values.length ? values[round] : random.nextInt() >>> random.nextInt(32);
            XdrBytes x = new XdrBytes(16);
            x.xdrEncodeInt(7);
            x.xdrEncodeUnsignedDecimal(v);
            x.xdrEncodeInt(8);
            assertThat(x.toByteArray()).as("%s", Integer.toUnsignedString(v)).isEqualTo(oncrpc4j(o -> {
                o.xdrEncodeInt(7);
                o.xdrEncodeString(Integer.toUnsignedString(v));
                o.xdrEncodeInt(8);
            }));
        }
    }
}
