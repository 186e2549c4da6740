package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** CLOSE4args. */
public record CloseArgs(int seqid, Stateid4 stateid) implements OpArgs {

    public static CloseArgs decode(XdrDecodingStream x) throws IOException {
        return new CloseArgs(x.xdrDecodeInt(), Stateid4.decode(x));
    }

    @Override
    public int opnum() {
        return OpNum.CLOSE;
    }

    @Override
    public void encode(XdrEncodingStream x) {
        x.xdrEncodeInt(seqid);
        stateid.encode(x);
    }
}
