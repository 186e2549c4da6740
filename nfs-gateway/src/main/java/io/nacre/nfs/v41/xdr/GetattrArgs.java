package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** GETATTR4args. */
public record GetattrArgs(int[] mask) implements OpArgs {

    public static GetattrArgs decode(XdrDecodingStream x) throws IOException {
        return new GetattrArgs(XdrIo.bitmap(x));
    }

    @Override
    public int opnum() {
        return OpNum.GETATTR;
    }

    @Override
    public void encode(XdrEncodingStream x) {
        XdrIo.bitmap(x, mask);
    }
}
