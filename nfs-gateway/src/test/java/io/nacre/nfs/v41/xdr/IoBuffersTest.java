package io.nacre.nfs.v41.xdr;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** READ's direct buffers: room around the data, a bound on how many exist, heap buffers past it, reuse. */
class IoBuffersTest {

    @Test
    void readBuffersAreDirectWithRoomAroundTheDataUpToTheBoundThenHeap() {
        int n = 700_001;
        List<ByteBuffer> taken = new ArrayList<>();
        for (int i = 0; i < IoBuffers.MAX_READ_BUFFERS + 8; i++) {
            taken.add(IoBuffers.takeForRead(n));
        }
        List<ByteBuffer> direct = taken.stream().filter(ByteBuffer::isDirect).toList();
        // (buffers other tests' replies still hold, if any, count against the bound too)
        assertThat(direct.size()).isBetween(1, IoBuffers.MAX_READ_BUFFERS);
        assertThat(taken.size() - direct.size()).as("heap past the bound").isGreaterThanOrEqualTo(8);
        assertThat(IoBuffers.readBuffers()).isEqualTo(IoBuffers.MAX_READ_BUFFERS);
        for (ByteBuffer b : direct) {
            assertThat(IoBuffers.isReadBuffer(b)).isTrue();
            assertThat(b.position()).isEqualTo(IoBuffers.HEAD_ROOM);
            assertThat(b.remaining()).isEqualTo(n);
            assertThat(b.capacity() - b.limit()).isGreaterThanOrEqualTo(IoBuffers.TAIL_ROOM);
        }
        for (ByteBuffer b : taken) {
            if (!b.isDirect()) {
                assertThat(b.position()).isZero();
                assertThat(b.remaining()).isEqualTo(n);
            }
        }
        taken.forEach(IoBuffers::give);
        assertThat(IoBuffers.readBuffers()).as("given back, still there for reuse").isEqualTo(IoBuffers.MAX_READ_BUFFERS);

        long reused = IoBuffers.readReused();
        ByteBuffer again = IoBuffers.takeForRead(10);
        assertThat(again.isDirect()).isTrue();
        assertThat(IoBuffers.readReused()).isEqualTo(reused + 1);
        IoBuffers.forget(again);
        assertThat(IoBuffers.readBuffers()).as("a forgotten buffer no longer counts")
                .isEqualTo(IoBuffers.MAX_READ_BUFFERS - 1);
        assertThat(IoBuffers.takeForRead(IoBuffers.SIZE + 1).isDirect()).as("larger than the pool's").isFalse();
    }

    @Test
    void zerosArePutWhereAsked() {
        ByteBuffer b = ByteBuffer.allocateDirect(200_000);
        while (b.hasRemaining()) {
            b.put((byte) 7);
        }
        b.position(5);
        IoBuffers.putZeros(b, 150_000);
        assertThat(b.position()).isEqualTo(150_005);
        assertThat(b.get(4)).isEqualTo((byte) 7);
        for (int i = 5; i < 150_005; i++) {
            assertThat(b.get(i)).isZero();
        }
        assertThat(b.get(150_005)).isEqualTo((byte) 7);
    }
}
