package io.nacre.s3.body;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.HttpObject;
import com.linecorp.armeria.common.stream.StreamMessage;
import com.linecorp.armeria.common.stream.StreamWriter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The request body read from Armeria's pooled buffers: every byte in order, every buffer released. */
class RequestBodyStreamTest {

    private final List<ByteBuf> bufs = new ArrayList<>();

    private HttpData pooled(byte[] bytes) {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(bytes.length);
        b.writeBytes(bytes);
        bufs.add(b);
        return HttpData.wrap(b);
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void readsEveryPieceInOrderAndReleasesEachOnceRead() throws IOException {
        StreamWriter<HttpObject> w = StreamMessage.streaming();
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        for (int i = 0; i < 3 * RequestBodyStream.PREFETCH; i++) {
            byte[] piece = random(1 + i * 37, i);
            expected.writeBytes(piece);
            w.write(pooled(piece));
            if (i == 5) {
                w.write(HttpData.empty());
            }
        }
        w.write(HttpHeaders.of("x-trailer", "ignored"));
        w.close();
        try (RequestBodyStream in = new RequestBodyStream(w)) {
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[100]; // smaller than most pieces: a piece is read in several calls
            int n;
            while ((n = in.read(buf, 0, buf.length)) >= 0) {
                got.write(buf, 0, n);
            }
            assertThat(got.toByteArray()).isEqualTo(expected.toByteArray());
            assertThat(in.read()).isEqualTo(-1);
        }
        assertThat(bufs).allSatisfy(b -> assertThat(b.refCnt()).isZero());
    }

    @Test
    void closingBeforeTheEndReleasesWhatWasFetched() throws Exception {
        StreamWriter<HttpObject> w = StreamMessage.streaming();
        for (int i = 0; i < 4; i++) {
            w.write(pooled(random(1000, i)));
        }
        RequestBodyStream in = new RequestBodyStream(w);
        assertThat(in.read()).isGreaterThanOrEqualTo(0);
        in.close();
        // Pieces already on their way from the event loop are released as they arrive.
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (bufs.stream().anyMatch(b -> b.refCnt() != 0) && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(bufs).allSatisfy(b -> assertThat(b.refCnt()).isZero());
        assertThatThrownBy(in::read).isInstanceOf(IOException.class);
        w.abort();
    }

    @Test
    void anAbortedBodyFailsTheRead() throws IOException {
        StreamWriter<HttpObject> w = StreamMessage.streaming();
        w.write(pooled(new byte[] {1, 2, 3}));
        w.abort(new IllegalStateException("the client went away"));
        try (RequestBodyStream in = new RequestBodyStream(w)) {
            assertThatThrownBy(in::readAllBytes).isInstanceOf(IOException.class).hasMessageContaining("client went away");
        }
    }
}
