package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.dcache.oncrpc4j.xdr.Xdr;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** READ4resok: the bytes read (from the buffer's position to its limit) and whether they end the file. */
public record ReadRes(boolean eof, ByteBuffer data) implements XdrEncodable {

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
            xdr.xdrEncodeShallowByteBuffer(data.duplicate());
        } else {
            x.xdrEncodeByteBuffer(data.duplicate());
        }
    }
}
