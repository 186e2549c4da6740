package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** OPEN_DOWNGRADE4args. */
public record OpenDowngradeArgs(Stateid4 stateid, int seqid, int shareAccess, int shareDeny) implements OpArgs {

    public static OpenDowngradeArgs decode(XdrDecodingStream x) throws IOException {
        return new OpenDowngradeArgs(Stateid4.decode(x), x.xdrDecodeInt(), x.xdrDecodeInt(), x.xdrDecodeInt());
    }

    @Override
    public int opnum() {
        return OpNum.OPEN_DOWNGRADE;
    }

    @Override
    public void encode(XdrEncodingStream x) {
        stateid.encode(x);
        x.xdrEncodeInt(seqid);
        x.xdrEncodeInt(shareAccess);
        x.xdrEncodeInt(shareDeny);
    }
}
