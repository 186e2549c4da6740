package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** A result that is one stateid: CLOSE, LOCK, LOCKU, OPEN_DOWNGRADE. */
public record StateidRes(Stateid4 stateid) implements XdrEncodable {

    public static StateidRes decode(XdrDecodingStream x) throws IOException {
        return new StateidRes(Stateid4.decode(x));
    }

    @Override
    public void encode(XdrEncodingStream x) {
        stateid.encode(x);
    }
}
