package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** SETATTR4res after the status: the attributes set (present whatever the status). */
public record SetattrRes(int[] attrsset) implements XdrEncodable {

    public static SetattrRes decode(XdrDecodingStream x) throws IOException {
        return new SetattrRes(XdrIo.bitmap(x));
    }

    @Override
    public void encode(XdrEncodingStream x) {
        XdrIo.bitmap(x, attrsset);
    }
}
