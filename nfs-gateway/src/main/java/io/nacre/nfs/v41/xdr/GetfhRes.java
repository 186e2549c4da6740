package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** GETFH4resok. */
public record GetfhRes(byte[] fh) implements XdrEncodable {

    public static GetfhRes decode(XdrDecodingStream x) throws IOException {
        return new GetfhRes(XdrIo.opaque(x, Nfs4.FHSIZE));
    }

    @Override
    public void encode(XdrEncodingStream x) {
        XdrIo.opaque(x, fh);
    }
}
