package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/**
 * A failed result that still carries one word: GETDEVICEINFO's gdir_mincount on NFS4ERR_TOOSMALL,
 * LAYOUTGET's logr_will_signal_layout_avail (as 0 or 1) on NFS4ERR_LAYOUTTRYLATER.
 */
public record IntRes(int value) implements XdrEncodable {

    public static IntRes decode(XdrDecodingStream x) throws IOException {
        return new IntRes(x.xdrDecodeInt());
    }

    @Override
    public void encode(XdrEncodingStream x) {
        x.xdrEncodeInt(value);
    }
}
