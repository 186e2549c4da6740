package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** LOOKUP4args. */
public record LookupArgs(byte[] name) implements OpArgs {

    public static LookupArgs decode(XdrDecodingStream x) throws IOException {
        return new LookupArgs(XdrIo.opaque(x, MAX_NAME));
    }

    @Override
    public int opnum() {
        return OpNum.LOOKUP;
    }

    @Override
    public void encode(XdrEncodingStream x) {
        XdrIo.opaque(x, name);
    }
}
