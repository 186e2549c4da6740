package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** ACCESS4args. */
public record AccessArgs(int access) implements OpArgs {

    public static AccessArgs decode(XdrDecodingStream x) throws IOException {
        return new AccessArgs(x.xdrDecodeInt());
    }

    @Override
    public int opnum() {
        return OpNum.ACCESS;
    }

    @Override
    public void encode(XdrEncodingStream x) {
        x.xdrEncodeInt(access);
    }
}
