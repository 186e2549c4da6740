package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** DELEGRETURN4args. */
public record DelegReturnArgs(Stateid4 stateid) implements OpArgs {

    public static DelegReturnArgs decode(XdrDecodingStream x) throws IOException {
        return new DelegReturnArgs(Stateid4.decode(x));
    }

    @Override
    public int opnum() {
        return OpNum.DELEGRETURN;
    }

    @Override
    public void encode(XdrEncodingStream x) {
        stateid.encode(x);
    }
}
