package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** LOCKU4args. */
public record LockuArgs(int locktype, int seqid, Stateid4 stateid, long offset, long length) implements OpArgs {

    public static LockuArgs decode(XdrDecodingStream x) throws IOException {
        return new LockuArgs(x.xdrDecodeInt(), x.xdrDecodeInt(), Stateid4.decode(x), x.xdrDecodeLong(), x.xdrDecodeLong());
    }

    @Override
    public int opnum() {
        return OpNum.LOCKU;
    }

    @Override
    public void encode(XdrEncodingStream x) {
        x.xdrEncodeInt(locktype);
        x.xdrEncodeInt(seqid);
        stateid.encode(x);
        x.xdrEncodeLong(offset);
        x.xdrEncodeLong(length);
    }
}
