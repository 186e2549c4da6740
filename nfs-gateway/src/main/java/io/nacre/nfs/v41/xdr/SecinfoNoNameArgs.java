package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** SECINFO_NO_NAME4args: the style (current filehandle or its parent). */
public record SecinfoNoNameArgs(int style) implements OpArgs {

    public static SecinfoNoNameArgs decode(XdrDecodingStream x) throws IOException {
        return new SecinfoNoNameArgs(x.xdrDecodeInt());
    }

    @Override
    public int opnum() {
        return OpNum.SECINFO_NO_NAME;
    }

    @Override
    public void encode(XdrEncodingStream x) {
        x.xdrEncodeInt(style);
    }
}
