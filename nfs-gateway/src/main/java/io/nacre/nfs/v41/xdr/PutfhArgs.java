package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** PUTFH4args. */
public record PutfhArgs(byte[] fh) implements OpArgs {

    public static PutfhArgs decode(XdrDecodingStream x) throws IOException {
        return new PutfhArgs(XdrIo.opaque(x, Nfs4.FHSIZE));
    }

    @Override
    public int opnum() {
        return OpNum.PUTFH;
    }

    @Override
    public void encode(XdrEncodingStream x) {
        XdrIo.opaque(x, fh);
    }
}
