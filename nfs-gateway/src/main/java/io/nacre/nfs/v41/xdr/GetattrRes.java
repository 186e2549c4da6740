package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** GETATTR4resok. */
public record GetattrRes(Fattr4 attrs) implements XdrEncodable {

    public static GetattrRes decode(XdrDecodingStream x) throws IOException {
        return new GetattrRes(Fattr4.decode(x));
    }

    @Override
    public void encode(XdrEncodingStream x) {
        attrs.encode(x);
    }
}
