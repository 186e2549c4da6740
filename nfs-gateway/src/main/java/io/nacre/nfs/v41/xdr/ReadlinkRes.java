package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** READLINK4resok. */
public record ReadlinkRes(byte[] link) implements XdrEncodable {

    public static ReadlinkRes decode(XdrDecodingStream x) throws IOException {
        return new ReadlinkRes(XdrIo.opaque(x, OpArgs.MAX_LINK));
    }

    @Override
    public void encode(XdrEncodingStream x) {
        XdrIo.opaque(x, link);
    }
}
