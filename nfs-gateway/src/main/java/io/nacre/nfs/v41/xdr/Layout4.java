package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** layout4: a byte range of a file, its I/O mode, and the layout type's body (still encoded). */
public record Layout4(long offset, long length, int iomode, int type, byte[] body) implements XdrEncodable {

    /** Layout bodies carry a filehandle per stripe; bounded by the largest reply. */
    static final int MAX_BODY = 1 << 20;

    public static Layout4 decode(XdrDecodingStream x) throws IOException {
        return new Layout4(x.xdrDecodeLong(), x.xdrDecodeLong(), x.xdrDecodeInt(), x.xdrDecodeInt(),
                XdrIo.opaque(x, MAX_BODY));
    }

    @Override
    public void encode(XdrEncodingStream x) {
        x.xdrEncodeLong(offset);
        x.xdrEncodeLong(length);
        x.xdrEncodeInt(iomode);
        x.xdrEncodeInt(type);
        XdrIo.opaque(x, body);
    }
}
