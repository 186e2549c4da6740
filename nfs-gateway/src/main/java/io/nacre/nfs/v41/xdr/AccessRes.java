package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** ACCESS4resok. */
public record AccessRes(int supported, int access) implements XdrEncodable {

    public static AccessRes decode(XdrDecodingStream x) throws IOException {
        return new AccessRes(x.xdrDecodeInt(), x.xdrDecodeInt());
    }

    @Override
    public void encode(XdrEncodingStream x) {
        x.xdrEncodeInt(supported);
        x.xdrEncodeInt(access);
    }
}
