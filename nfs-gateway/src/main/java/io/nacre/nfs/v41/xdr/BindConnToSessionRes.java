package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** BIND_CONN_TO_SESSION4resok. */
public record BindConnToSessionRes(SessionId4 sessionId, int dir, boolean rdma) implements XdrEncodable {

    public static BindConnToSessionRes decode(XdrDecodingStream x) throws IOException {
        return new BindConnToSessionRes(SessionId4.decode(x), x.xdrDecodeInt(), x.xdrDecodeBoolean());
    }

    @Override
    public void encode(XdrEncodingStream x) {
        sessionId.encode(x);
        x.xdrEncodeInt(dir);
        x.xdrEncodeBoolean(rdma);
    }
}
