package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.dcache.oncrpc4j.xdr.Xdr;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/**
 * READ4resok: the bytes read (from the buffer's position to its limit) and whether they end the file. With
 * {@code lent}, the data's buffer came from {@link IoBuffers} (its position and limit set to the data) and goes
 * back there once the reply that carries it was written (or copied into the slot's cache).
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
        if (x instanceof XdrBytes bytes && bytes.refers()) {
            // the reply is assembled around the data where it lies (RpcReplies)
            bytes.xdrEncodeReferred(data.duplicate());
        } else if (x instanceof Xdr xdr) {
            // the reply refers to the data instead of copying a megabyte into the RPC buffer
            if (lent) {
                xdr.xdrEncodeShallowByteBuffer(IoBuffers.lentToGrizzly(data.duplicate(), wholeOf(data)));
            } else {
                xdr.xdrEncodeShallowByteBuffer(data.duplicate());
            }
        } else {
            x.xdrEncodeByteBuffer(data.duplicate());
        }
    }

    /** Gives the data's buffer back at once: for a reply that was copied (the slot's cache) and is never sent as it is. */
    public void giveBack() {
        if (lent) {
            IoBuffers.give(wholeOf(data));
        }
    }

    /** The whole of a lent buffer, as {@link IoBuffers} handed it out (a duplicate: same memory, own position). */
    private static ByteBuffer wholeOf(ByteBuffer data) {
        return data.duplicate().clear();
    }
}
