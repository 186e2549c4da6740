package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** SECINFO4args. */
public record SecinfoArgs(byte[] name) implements OpArgs {

    public static SecinfoArgs decode(XdrDecodingStream x) throws IOException {
        return new SecinfoArgs(XdrIo.opaque(x, MAX_NAME));
    }

    @Override
    public int opnum() {
        return OpNum.SECINFO;
    }

    @Override
    public void encode(XdrEncodingStream x) {
        XdrIo.opaque(x, name);
    }
}
