package io.nacre.nfs.v41.xdr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nacre.nfs.v41.attr.AttrNum;
import io.nacre.nfs.v41.attr.Bitmap;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.dcache.oncrpc4j.xdr.Xdr;
import org.glassfish.grizzly.memory.Buffers;
import org.glassfish.grizzly.memory.MemoryManager;
import org.junit.jupiter.api.Test;

/** WRITE's data taken from a request read into one buffer, as the server's record reader reads every request. */
class WriteArgsTest {

    private static final Stateid4 SID = new Stateid4(3, 0x01020304, 0x05060708090a0b0cL);
    private static final int[] ATTRS = Bitmap.of(AttrNum.CHANGE, AttrNum.SIZE);

    @Test
    void dataOfEveryLengthDecodesWithTheNextOperationAfterIt() throws Exception {
        for (int len : new int[] {0, 1, 2, 3, 5, 4096, 65_537, 1 << 20, (1 << 20) + 3}) {
            byte[] data = pattern(len, len);
            byte[] write = XdrIo.toBytes(new WriteArgs(SID, 77, Nfs4.UNSTABLE4, ByteBuffer.wrap(data)));
            byte[] wire = concat(write, XdrIo.toBytes(new GetattrArgs(ATTRS)));
            Xdr x = xdr(wire);
            WriteArgs w = WriteArgs.decode(x);
            GetattrArgs g = GetattrArgs.decode(x);
            assertThat(w.stateid()).isEqualTo(SID);
            assertThat(w.offset()).isEqualTo(77);
            assertThat(w.stable()).isEqualTo(Nfs4.UNSTABLE4);
            assertThat(w.count()).as("%d bytes", len).isEqualTo(len);
            assertThat(bytesOf(w)).as("%d bytes", len).isEqualTo(data);
            assertThat(g.mask()).isEqualTo(ATTRS);
            assertThat(XdrIo.toBytes(w)).isEqualTo(write);
        }
    }

    /** Whoever writes the data reads a buffer of its own: a second look (a retried write, the encoding) sees it all. */
    @Test
    void readingTheDataLeavesItForTheNextReader() throws Exception {
        byte[] data = pattern(10_000, 9);
        WriteArgs w = WriteArgs.decode(xdr(XdrIo.toBytes(new WriteArgs(SID, 0, Nfs4.FILE_SYNC4,
                ByteBuffer.wrap(data)))));
        w.data().get(new byte[6000]);
        assertThat(w.count()).isEqualTo(10_000);
        assertThat(bytesOf(w)).isEqualTo(data);
        assertThat(bytesOf(w)).isEqualTo(data);
    }

    @Test
    void dataLongerThanWhatIsLeftIsRefused() {
        byte[] wire = XdrIo.toBytes(new WriteArgs(SID, 0, Nfs4.UNSTABLE4, ByteBuffer.wrap(pattern(1000, 1))));
        byte[] cut = Arrays.copyOf(wire, wire.length - 8);
        assertThatThrownBy(() -> WriteArgs.decode(xdr(cut))).isInstanceOf(java.io.IOException.class);
    }

    @Test
    void moreThanTheLargestWriteIsBadXdr() {
        byte[] wire = XdrIo.toBytes(new WriteArgs(SID, 0, Nfs4.UNSTABLE4,
                ByteBuffer.allocate(WriteArgs.MAX_DATA + 4)));
        assertThatThrownBy(() -> WriteArgs.decode(xdr(wire)))
                .isInstanceOf(BadXdrException.class)
                .hasMessageContaining("exceeds");
    }

    private static byte[] bytesOf(WriteArgs w) {
        ByteBuffer b = w.data();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    /** A decoder over the bytes in one buffer. */
    private static Xdr xdr(byte[] wire) {
        return new Xdr(Buffers.wrap(MemoryManager.DEFAULT_MEMORY_MANAGER, wire), MemoryManager.DEFAULT_MEMORY_MANAGER);
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
