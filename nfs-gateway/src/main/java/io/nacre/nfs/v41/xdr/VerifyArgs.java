package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** VERIFY4args and NVERIFY4args: attributes to compare with the current filehandle's. */
public record VerifyArgs(int opnum, Fattr4 attrs) implements OpArgs {

    public static VerifyArgs decode(int opnum, XdrDecodingStream x) throws IOException {
        return new VerifyArgs(opnum, Fattr4.decode(x));
    }

    @Override
    public void encode(XdrEncodingStream x) {
        attrs.encode(x);
    }
}
