package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** LAYOUTRETURN4res on NFS4_OK: the layout stateid when layouts remain, else none. */
public record LayoutReturnRes(Stateid4 stateid) implements XdrEncodable {

    public static LayoutReturnRes decode(XdrDecodingStream x) throws IOException {
        return new LayoutReturnRes(x.xdrDecodeBoolean() ? Stateid4.decode(x) : null);
    }

    @Override
    public void encode(XdrEncodingStream x) {
        x.xdrEncodeBoolean(stateid != null);
        if (stateid != null) {
            stateid.encode(x);
        }
    }
}
