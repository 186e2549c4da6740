package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** CB_RECALL4args: give back a delegation. */
public record CbRecallArgs(Stateid4 stateid, boolean truncate, byte[] fh) implements OpArgs {

    public static CbRecallArgs decode(XdrDecodingStream x) throws IOException {
        return new CbRecallArgs(Stateid4.decode(x), x.xdrDecodeBoolean(), XdrIo.opaque(x, Nfs4.FHSIZE));
    }

    @Override
    public int opnum() {
        return OpNum.CB_RECALL;
    }

    @Override
    public void encode(XdrEncodingStream x) {
        stateid.encode(x);
        x.xdrEncodeBoolean(truncate);
        XdrIo.opaque(x, fh);
    }
}
