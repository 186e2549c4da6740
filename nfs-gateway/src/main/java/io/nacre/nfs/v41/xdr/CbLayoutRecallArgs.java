package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/**
 * CB_LAYOUTRECALL4args. For LAYOUTRECALL4_FILE: fh, offset, length and the layout stateid; for
 * LAYOUTRECALL4_FSID: the fsid; for LAYOUTRECALL4_ALL nothing more.
 */
public record CbLayoutRecallArgs(int layoutType, int iomode, boolean changed, int recallType, byte[] fh,
                                 long offset, long length, Stateid4 stateid, long fsidMajor, long fsidMinor)
        implements OpArgs {

    public static CbLayoutRecallArgs file(int layoutType, int iomode, boolean changed, byte[] fh, long offset,
                                          long length, Stateid4 stateid) {
        return new CbLayoutRecallArgs(layoutType, iomode, changed, Nfs4.LAYOUTRECALL4_FILE, fh, offset, length,
                stateid, 0, 0);
    }

    public static CbLayoutRecallArgs decode(XdrDecodingStream x) throws IOException {
        int type = x.xdrDecodeInt();
        int iomode = x.xdrDecodeInt();
        boolean changed = x.xdrDecodeBoolean();
        int recall = x.xdrDecodeInt();
        return switch (recall) {
            case Nfs4.LAYOUTRECALL4_FILE -> new CbLayoutRecallArgs(type, iomode, changed, recall,
                    XdrIo.opaque(x, Nfs4.FHSIZE), x.xdrDecodeLong(), x.xdrDecodeLong(), Stateid4.decode(x), 0, 0);
            case Nfs4.LAYOUTRECALL4_FSID -> new CbLayoutRecallArgs(type, iomode, changed, recall, null, 0, 0, null,
                    x.xdrDecodeLong(), x.xdrDecodeLong());
            case Nfs4.LAYOUTRECALL4_ALL -> new CbLayoutRecallArgs(type, iomode, changed, recall, null, 0, 0, null, 0, 0);
            default -> throw new BadXdrException("unknown layoutrecall_type4 " + recall);
        };
    }

    @Override
    public int opnum() {
        return OpNum.CB_LAYOUTRECALL;
    }

    @Override
    public void encode(XdrEncodingStream x) {
        x.xdrEncodeInt(layoutType);
        x.xdrEncodeInt(iomode);
        x.xdrEncodeBoolean(changed);
        x.xdrEncodeInt(recallType);
        switch (recallType) {
            case Nfs4.LAYOUTRECALL4_FILE -> {
                XdrIo.opaque(x, fh);
                x.xdrEncodeLong(offset);
                x.xdrEncodeLong(length);
                stateid.encode(x);
            }
            case Nfs4.LAYOUTRECALL4_FSID -> {
                x.xdrEncodeLong(fsidMajor);
                x.xdrEncodeLong(fsidMinor);
            }
            default -> {
            }
        }
    }
}
