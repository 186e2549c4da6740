package io.nacre.s3.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChunkBuffersTest {

    private static final int SIZE = 4 << 20;

    /** A pool of this test's own, so that what it holds is what these buffers hold. */
    private final PooledByteBufAllocator pool = new PooledByteBufAllocator(true);

    @Test
    void aChunkTheConnectionReleasedIsReadIntoAgainWithoutNewMemory() {
        try (ChunkBuffers buffers = new ChunkBuffers(pool, SIZE, 4)) {
            ByteBuf first = buffers.take(SIZE);
            assertThat(first.readableBytes()).isZero();
            assertThat(first.writableBytes()).isEqualTo(SIZE);
            first.writeInt(0x6e616372);
            long used = pool.metric().usedDirectMemory();
            first.release();

            ByteBuf second = buffers.take(SIZE);
            assertThat(second.readableBytes()).as("given out empty").isZero();
            assertThat(second.getInt(0)).as("the same memory, not a fresh (zeroed) one").isEqualTo(0x6e616372);
            assertThat(pool.metric().usedDirectMemory()).isEqualTo(used);
            second.release();
        }
        assertThat(pool.metric().usedDirectMemory()).as("all back in the pool once the GET is over").isZero();
    }

    @Test
    void chunksStillAtTheConnectionWhenTheGetEndsGoBackToThePool() {
        List<ByteBuf> lent = new ArrayList<>();
        ChunkBuffers buffers = new ChunkBuffers(pool, SIZE, 2);
        for (int i = 0; i < 5; i++) {
            lent.add(buffers.take(SIZE / 2));
        }
        lent.remove(0).release(); // kept for the next chunk
        buffers.close();
        assertThat(pool.metric().usedDirectMemory()).isPositive();
        lent.forEach(ByteBuf::release);
        assertThat(pool.metric().usedDirectMemory()).isZero();
    }

    @Test
    void aChunkLargerThanTheBuffersIsRefused() {
        try (ChunkBuffers buffers = new ChunkBuffers(pool, 1 << 20, 2)) {
            assertThatThrownBy(() -> buffers.take((1 << 20) + 1)).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
