package io.nacre.nfs.v41.xdr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nacre.nfs.v41.attr.AttrNum;
import io.nacre.nfs.v41.attr.Bitmap;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.dcache.oncrpc4j.xdr.Xdr;
import org.glassfish.grizzly.Buffer;
import org.glassfish.grizzly.memory.Buffers;
import org.glassfish.grizzly.memory.BuffersBuffer;
import org.glassfish.grizzly.memory.MemoryManager;
import org.junit.jupiter.api.Test;

/**
 * WRITE's data taken as views of a request that arrived in several socket reads (oncrpc4j's composite buffer),
 * and handed on as one buffer.
 */
class WriteArgsTest {

    private static final Stateid4 SID = new Stateid4(3, 0x01020304, 0x05060708090a0b0cL);
    private static final int[] ATTRS = Bitmap.of(AttrNum.CHANGE, AttrNum.SIZE);

    @Test
    void dataSplitOverManyReadsDecodesAsViewsAndTheNextOperationAfterIt() throws Exception {
        for (int len : new int[] {0, 1, 5, 4096, 65_537, 1 << 20, (1 << 20) + 3}) {
            byte[] data = pattern(len, len);
            byte[] wire = concat(XdrIo.toBytes(new WriteArgs(SID, 77, Nfs4.UNSTABLE4, ByteBuffer.wrap(data))),
                    XdrIo.toBytes(new GetattrArgs(ATTRS)));
            for (int[] cuts : List.of(new int[] {1}, new int[] {7, 13, 4099}, new int[] {40, 41, 42, 65_000},
                    new int[] {wire.length - 9, wire.length - 1})) {
                Xdr x = xdr(composite(wire, cuts));
                WriteArgs w = WriteArgs.decode(x);
                GetattrArgs g = GetattrArgs.decode(x);
                assertThat(w.offset()).isEqualTo(77);
                assertThat(w.stable()).isEqualTo(Nfs4.UNSTABLE4);
                assertThat(w.count()).as("%d bytes cut at %s", len, Arrays.toString(cuts)).isEqualTo(len);
                assertThat(bytesOf(w)).as("%d bytes cut at %s", len, Arrays.toString(cuts)).isEqualTo(data);
                assertThat(g.mask()).isEqualTo(ATTRS);
                assertThat(XdrIo.toBytes(w)).isEqualTo(Arrays.copyOf(wire, wire.length - XdrIo.toBytes(g).length));
            }
        }
    }

    /** The gathering buffer is lent for one call: the next WRITE's bytes never show through an earlier one's. */
    @Test
    void aGatheredWriteGetsItsOwnBytesAfterAnotherUsedTheBuffer() throws Exception {
        List<byte[]> seen = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            byte[] data = pattern(1 << 20, i);
            Xdr x = xdr(composite(XdrIo.toBytes(new WriteArgs(SID, 0, Nfs4.UNSTABLE4, ByteBuffer.wrap(data))),
                    new int[] {100, 300_000, 700_000}));
            WriteArgs w = WriteArgs.decode(x);
            assertThat(w.pieces()).hasSizeGreaterThan(1);
            seen.add(w.withData(b -> {
                byte[] out = new byte[b.remaining()];
                b.get(out);
                return out;
            }));
            assertThat(seen.get(i)).isEqualTo(data);
        }
        for (int i = 0; i < seen.size(); i++) {
            assertThat(seen.get(i)).isEqualTo(pattern(1 << 20, i));
        }
    }

    @Test
    void dataLongerThanWhatIsLeftIsBadXdr() {
        byte[] wire = XdrIo.toBytes(new WriteArgs(SID, 0, Nfs4.UNSTABLE4, ByteBuffer.wrap(pattern(1000, 1))));
        byte[] cut = Arrays.copyOf(wire, wire.length - 8);
        assertThatThrownBy(() -> WriteArgs.decode(xdr(composite(cut, new int[] {50}))))
                .isInstanceOf(BadXdrException.class);
    }

    private static byte[] bytesOf(WriteArgs w) {
        return w.withData(b -> {
            byte[] out = new byte[b.remaining()];
            b.get(out);
            return out;
        });
    }

    /** The bytes as Grizzly's composite of one buffer per piece, cut at those of these offsets within them. */
    private static Buffer composite(byte[] wire, int[] cuts) {
        MemoryManager<?> mm = MemoryManager.DEFAULT_MEMORY_MANAGER;
        BuffersBuffer b = BuffersBuffer.create(mm);
        int from = 0;
        for (int cut : cuts) {
            if (cut <= from || cut >= wire.length) {
                continue;
            }
            b.append(Buffers.wrap(mm, Arrays.copyOfRange(wire, from, cut)));
            from = cut;
        }
        b.append(Buffers.wrap(mm, Arrays.copyOfRange(wire, from, wire.length)));
        return b;
    }

    /** A decoder over the buffer, as oncrpc4j makes one for a request it read. */
    private static Xdr xdr(Buffer b) {
        return new Xdr(b, MemoryManager.DEFAULT_MEMORY_MANAGER);
    }

    private static byte[] pattern(int len, long seed) {
        byte[] b = new byte[len];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
