package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** FREE_STATEID4args. */
public record FreeStateidArgs(Stateid4 stateid) implements OpArgs {

    public static FreeStateidArgs decode(XdrDecodingStream x) throws IOException {
        return new FreeStateidArgs(Stateid4.decode(x));
    }

    @Override
    public int opnum() {
        return OpNum.FREE_STATEID;
    }

    @Override
    public void encode(XdrEncodingStream x) {
        stateid.encode(x);
    }
}
