package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** RECLAIM_COMPLETE4args. */
public record ReclaimCompleteArgs(boolean oneFs) implements OpArgs {

    public static ReclaimCompleteArgs decode(XdrDecodingStream x) throws IOException {
        return new ReclaimCompleteArgs(x.xdrDecodeBoolean());
    }

    @Override
    public int opnum() {
        return OpNum.RECLAIM_COMPLETE;
    }

    @Override
    public void encode(XdrEncodingStream x) {
        x.xdrEncodeBoolean(oneFs);
    }
}
