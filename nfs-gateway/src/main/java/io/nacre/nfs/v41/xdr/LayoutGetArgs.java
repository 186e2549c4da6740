package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** LAYOUTGET4args. */
public record LayoutGetArgs(boolean signalLayoutAvail, int layoutType, int iomode, long offset, long length,
                            long minLength, Stateid4 stateid, int maxCount) implements OpArgs {

    public static LayoutGetArgs decode(XdrDecodingStream x) throws IOException {
        return new LayoutGetArgs(x.xdrDecodeBoolean(), x.xdrDecodeInt(), x.xdrDecodeInt(), x.xdrDecodeLong(),
                x.xdrDecodeLong(), x.xdrDecodeLong(), Stateid4.decode(x), x.xdrDecodeInt());
    }

    @Override
    public int opnum() {
        return OpNum.LAYOUTGET;
    }

    @Override
    public void encode(XdrEncodingStream x) {
        x.xdrEncodeBoolean(signalLayoutAvail);
        x.xdrEncodeInt(layoutType);
        x.xdrEncodeInt(iomode);
        x.xdrEncodeLong(offset);
        x.xdrEncodeLong(length);
        x.xdrEncodeLong(minLength);
        stateid.encode(x);
        x.xdrEncodeInt(maxCount);
    }
}
