package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/**
 * LAYOUTRETURN4args. For LAYOUTRETURN4_FILE: the range, the layout stateid and the type-specific body;
 * for LAYOUTRETURN4_FSID and LAYOUTRETURN4_ALL nothing more.
 */
public record LayoutReturnArgs(boolean reclaim, int layoutType, int iomode, int returnType, long offset, long length,
                               Stateid4 stateid, byte[] body) implements OpArgs {

    public static LayoutReturnArgs decode(XdrDecodingStream x) throws IOException {
        boolean reclaim = x.xdrDecodeBoolean();
        int type = x.xdrDecodeInt();
        int iomode = x.xdrDecodeInt();
        int rt = x.xdrDecodeInt();
        if (rt == Nfs4.LAYOUTRECALL4_FILE) {
            return new LayoutReturnArgs(reclaim, type, iomode, rt, x.xdrDecodeLong(), x.xdrDecodeLong(),
                    Stateid4.decode(x), XdrIo.opaque(x, Layout4.MAX_BODY));
        }
        if (rt != Nfs4.LAYOUTRECALL4_FSID && rt != Nfs4.LAYOUTRECALL4_ALL) {
            throw new BadXdrException("layoutreturn_type4 " + rt);
        }
        return new LayoutReturnArgs(reclaim, type, iomode, rt, 0, 0, null, null);
    }

    @Override
    public int opnum() {
        return OpNum.LAYOUTRETURN;
    }

    @Override
    public void encode(XdrEncodingStream x) {
        x.xdrEncodeBoolean(reclaim);
        x.xdrEncodeInt(layoutType);
        x.xdrEncodeInt(iomode);
        x.xdrEncodeInt(returnType);
        if (returnType == Nfs4.LAYOUTRECALL4_FILE) {
            x.xdrEncodeLong(offset);
            x.xdrEncodeLong(length);
            stateid.encode(x);
            XdrIo.opaque(x, body);
        }
    }
}
