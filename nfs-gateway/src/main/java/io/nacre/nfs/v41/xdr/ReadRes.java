package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;
import org.dcache.oncrpc4j.xdr.Xdr;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;
import org.glassfish.grizzly.memory.ByteBufferWrapper;

/**
 * READ4resok: the bytes read (from the buffer's position to its limit) and whether they end the file. With
 * {@code lent}, the data's buffer came from {@link IoBuffers} and goes back there once the reply that carries
 * it was written (or dropped).
 */
public record ReadRes(boolean eof, ByteBuffer data, boolean lent) implements XdrEncodable {

    public ReadRes(boolean eof, ByteBuffer data) {
        this(eof, data, false);
    }

    public static ReadRes decode(XdrDecodingStream x) throws IOException {
        boolean eof = x.xdrDecodeBoolean();
        ByteBuffer b = x.xdrDecodeByteBuffer();
        ByteBuffer copy = ByteBuffer.allocate(b.remaining()).put(b).flip();
        return new ReadRes(eof, copy);
    }

    @Override
    public void encode(XdrEncodingStream x) {
        x.xdrEncodeBoolean(eof);
        if (x instanceof Xdr xdr) {
            // the reply refers to the data instead of copying a megabyte into the RPC buffer
            if (lent) {
                xdr.xdrEncodeShallowByteBuffer(new GivenBackWhenDisposed(data));
            } else {
                xdr.xdrEncodeShallowByteBuffer(data.duplicate());
            }
        } else {
            x.xdrEncodeByteBuffer(data.duplicate());
        }
    }

    /**
     * The data as the reply's Grizzly buffer: Grizzly disposes what it wrote when the write completed (or
     * failed), and then the data's buffer goes back, once, however often it is disposed.
     */
    private static final class GivenBackWhenDisposed extends ByteBufferWrapper {
        private final ByteBuffer whole;
        private final AtomicBoolean given = new AtomicBoolean();

        GivenBackWhenDisposed(ByteBuffer data) {
            super(data.duplicate());
            this.whole = data;
            allowBufferDispose(true);
        }

        @Override
        public void dispose() {
            super.dispose();
            if (given.compareAndSet(false, true)) {
                IoBuffers.give(whole);
            }
        }
    }
}
