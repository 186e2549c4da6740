package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** COMMIT4args. */
public record CommitArgs(long offset, int count) implements OpArgs {

    public static CommitArgs decode(XdrDecodingStream x) throws IOException {
        return new CommitArgs(x.xdrDecodeLong(), x.xdrDecodeInt());
    }

    @Override
    public int opnum() {
        return OpNum.COMMIT;
    }

    @Override
    public void encode(XdrEncodingStream x) {
        x.xdrEncodeLong(offset);
        x.xdrEncodeInt(count);
    }
}
