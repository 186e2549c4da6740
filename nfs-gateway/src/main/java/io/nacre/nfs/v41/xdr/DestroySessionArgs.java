package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** DESTROY_SESSION4args. */
public record DestroySessionArgs(SessionId4 sessionId) implements OpArgs {

    public static DestroySessionArgs decode(XdrDecodingStream x) throws IOException {
        return new DestroySessionArgs(SessionId4.decode(x));
    }

    @Override
    public int opnum() {
        return OpNum.DESTROY_SESSION;
    }

    @Override
    public void encode(XdrEncodingStream x) {
        sessionId.encode(x);
    }
}
