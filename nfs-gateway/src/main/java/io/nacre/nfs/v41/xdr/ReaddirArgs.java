package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** READDIR4args. */
public record ReaddirArgs(long cookie, long verifier, int dircount, int maxcount, int[] mask) implements OpArgs {

    public static ReaddirArgs decode(XdrDecodingStream x) throws IOException {
        return new ReaddirArgs(x.xdrDecodeLong(), x.xdrDecodeLong(), x.xdrDecodeInt(), x.xdrDecodeInt(), XdrIo.bitmap(x));
    }

    @Override
    public int opnum() {
        return OpNum.READDIR;
    }

    @Override
    public void encode(XdrEncodingStream x) {
        x.xdrEncodeLong(cookie);
        x.xdrEncodeLong(verifier);
        x.xdrEncodeInt(dircount);
        x.xdrEncodeInt(maxcount);
        XdrIo.bitmap(x, mask);
    }
}
