package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** READ4args. */
public record ReadArgs(Stateid4 stateid, long offset, int count) implements OpArgs {

    public static ReadArgs decode(XdrDecodingStream x) throws IOException {
        return new ReadArgs(Stateid4.decode(x), x.xdrDecodeLong(), x.xdrDecodeInt());
    }

    @Override
    public int opnum() {
        return OpNum.READ;
    }

    @Override
    public void encode(XdrEncodingStream x) {
        stateid.encode(x);
        x.xdrEncodeLong(offset);
        x.xdrEncodeInt(count);
    }
}
