package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** WRITE4resok. */
public record WriteRes(int count, int committed, long verifier) implements XdrEncodable {

    public static WriteRes decode(XdrDecodingStream x) throws IOException {
        return new WriteRes(x.xdrDecodeInt(), x.xdrDecodeInt(), x.xdrDecodeLong());
    }

    @Override
    public void encode(XdrEncodingStream x) {
        x.xdrEncodeInt(count);
        x.xdrEncodeInt(committed);
        x.xdrEncodeLong(verifier);
    }
}
