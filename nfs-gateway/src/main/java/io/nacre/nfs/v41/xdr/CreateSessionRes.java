package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** CREATE_SESSION4resok. */
public record CreateSessionRes(SessionId4 sessionId, int sequence, int flags, ChannelAttrs4 fore, ChannelAttrs4 back) implements XdrEncodable {

    public static CreateSessionRes decode(XdrDecodingStream x) throws IOException {
        return new CreateSessionRes(SessionId4.decode(x), x.xdrDecodeInt(), x.xdrDecodeInt(), ChannelAttrs4.decode(x), ChannelAttrs4.decode(x));
    }

    @Override
    public void encode(XdrEncodingStream x) {
        sessionId.encode(x);
        x.xdrEncodeInt(sequence);
        x.xdrEncodeInt(flags);
        fore.encode(x);
        back.encode(x);
    }
}
