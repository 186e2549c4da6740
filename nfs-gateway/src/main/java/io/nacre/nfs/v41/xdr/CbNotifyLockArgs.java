package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** CB_NOTIFY_LOCK4args: a lock the client waited for may be free now (RFC 8881 §20.11). */
public record CbNotifyLockArgs(byte[] fh, StateOwner4 lockOwner) implements OpArgs {

    public static CbNotifyLockArgs decode(XdrDecodingStream x) throws IOException {
        return new CbNotifyLockArgs(XdrIo.opaque(x, Nfs4.FHSIZE), StateOwner4.decode(x));
    }

    @Override
    public int opnum() {
        return OpNum.CB_NOTIFY_LOCK;
    }

    @Override
    public void encode(XdrEncodingStream x) {
        XdrIo.opaque(x, fh);
        lockOwner.encode(x);
    }
}
