package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** LOCKT4args. */
public record LocktArgs(int locktype, long offset, long length, StateOwner4 owner) implements OpArgs {

    public static LocktArgs decode(XdrDecodingStream x) throws IOException {
        return new LocktArgs(x.xdrDecodeInt(), x.xdrDecodeLong(), x.xdrDecodeLong(), StateOwner4.decode(x));
    }

    @Override
    public int opnum() {
        return OpNum.LOCKT;
    }

    @Override
    public void encode(XdrEncodingStream x) {
        x.xdrEncodeInt(locktype);
        x.xdrEncodeLong(offset);
        x.xdrEncodeLong(length);
        owner.encode(x);
    }
}
