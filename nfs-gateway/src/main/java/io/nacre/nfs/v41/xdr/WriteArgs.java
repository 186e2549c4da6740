package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.Function;
import org.dcache.oncrpc4j.xdr.Xdr;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;
import org.glassfish.grizzly.Buffer;
import org.glassfish.grizzly.memory.ByteBufferArray;

/**
 * WRITE4args. The data are views of the request buffer (no copy), valid until the reply is encoded, which is
 * after the operation ran: one piece when the request lies in one buffer (as the server's {@code RecordReader}
 * reads every record), else one piece per part of a composite buffer (oncrpc4j's record parser joins a record's
 * socket reads so, and its own opaque decoding would copy them into a fresh array). {@link #withData} hands them
 * on as one buffer.
 */
public record WriteArgs(Stateid4 stateid, long offset, int stable, ByteBuffer[] pieces) implements OpArgs {

    /** The largest WRITE accepted; the session's maxrequestsize bounds it further. */
    public static final int MAX_DATA = 16 * 1024 * 1024;

    /** A WRITE of the data's remaining bytes. */
    public WriteArgs(Stateid4 stateid, long offset, int stable, ByteBuffer data) {
        this(stateid, offset, stable, new ByteBuffer[] {data});
    }

    public static WriteArgs decode(XdrDecodingStream x) throws IOException {
        Stateid4 stateid = Stateid4.decode(x);
        long offset = x.xdrDecodeLong();
        int stable = x.xdrDecodeInt();
        if (x instanceof Xdr xdr && xdr.asBuffer().isComposite()) {
            return new WriteArgs(stateid, offset, stable, pieces(x, xdr.asBuffer()));
        }
        ByteBuffer data = x.xdrDecodeByteBuffer();
        if (data.remaining() > MAX_DATA) {
            throw new BadXdrException("WRITE of " + data.remaining() + " bytes exceeds " + MAX_DATA);
        }
        return new WriteArgs(stateid, offset, stable, data);
    }

    /** The opaque data as views of the composite buffer's parts, and the buffer moved past them. */
    private static ByteBuffer[] pieces(XdrDecodingStream x, Buffer b) throws IOException {
        int len = x.xdrDecodeInt();
        if (len < 0 || len > MAX_DATA) {
            throw new BadXdrException("WRITE of " + Integer.toUnsignedString(len) + " bytes exceeds " + MAX_DATA);
        }
        int padded = len + ((4 - (len & 3)) & 3);
        if (b.remaining() < padded) {
            throw new BadXdrException("WRITE data of " + len + " bytes, " + b.remaining() + " left");
        }
        int pos = b.position();
        ByteBufferArray views = b.toByteBufferArray(pos, pos + len);
        try {
            ByteBuffer[] all = views.getArray();
            ByteBuffer[] pieces = new ByteBuffer[views.size()];
            for (int i = 0; i < pieces.length; i++) {
                // a slice of its own: Grizzly's views may be its parts' shared buffers, restored below
                pieces[i] = all[i].slice();
            }
            return pieces;
        } finally {
            views.restore();
            views.recycle();
            b.position(pos + padded);
        }
    }

    /** The bytes written. */
    public int count() {
        int n = 0;
        for (ByteBuffer p : pieces) {
            n += p.remaining();
        }
        return n;
    }

    /**
     * {@code use} applied to the data as one buffer (its bytes from position to limit): the only piece, or the
     * pieces gathered into an {@link IoBuffers} buffer lent for the call ({@code use} must not keep it).
     */
    public <R> R withData(Function<ByteBuffer, R> use) {
        if (pieces.length == 1) {
            return use.apply(pieces[0].duplicate());
        }
        ByteBuffer buf = IoBuffers.take(count());
        for (ByteBuffer p : pieces) {
            buf.put(p.duplicate());
        }
        R r = use.apply(buf.flip());
        // only after a normal return: a write that failed (a timeout, an interrupt) may still be read from
        IoBuffers.give(buf);
        return r;
    }

    @Override
    public int opnum() {
        return OpNum.WRITE;
    }

    @Override
    public void encode(XdrEncodingStream x) {
        stateid.encode(x);
        x.xdrEncodeLong(offset);
        x.xdrEncodeInt(stable);
        withData(data -> {
            x.xdrEncodeByteBuffer(data);
            return null;
        });
    }
}
