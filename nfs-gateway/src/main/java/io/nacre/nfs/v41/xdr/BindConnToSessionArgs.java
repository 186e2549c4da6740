package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** BIND_CONN_TO_SESSION4args. */
public record BindConnToSessionArgs(SessionId4 sessionId, int dir, boolean rdma) implements OpArgs {

    public static BindConnToSessionArgs decode(XdrDecodingStream x) throws IOException {
        return new BindConnToSessionArgs(SessionId4.decode(x), x.xdrDecodeInt(), x.xdrDecodeBoolean());
    }

    @Override
    public int opnum() {
        return OpNum.BIND_CONN_TO_SESSION;
    }

    @Override
    public void encode(XdrEncodingStream x) {
        sessionId.encode(x);
        x.xdrEncodeInt(dir);
        x.xdrEncodeBoolean(rdma);
    }
}
