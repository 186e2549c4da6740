package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** SETATTR4args. */
public record SetattrArgs(Stateid4 stateid, Fattr4 attrs) implements OpArgs {

    public static SetattrArgs decode(XdrDecodingStream x) throws IOException {
        return new SetattrArgs(Stateid4.decode(x), Fattr4.decode(x));
    }

    @Override
    public int opnum() {
        return OpNum.SETATTR;
    }

    @Override
    public void encode(XdrEncodingStream x) {
        stateid.encode(x);
        attrs.encode(x);
    }
}
