package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** LAYOUTCOMMIT4resok: the new size, or null when it did not change. */
public record LayoutCommitRes(Long newSize) implements XdrEncodable {

    public static LayoutCommitRes decode(XdrDecodingStream x) throws IOException {
        return new LayoutCommitRes(x.xdrDecodeBoolean() ? x.xdrDecodeLong() : null);
    }

    @Override
    public void encode(XdrEncodingStream x) {
        x.xdrEncodeBoolean(newSize != null);
        if (newSize != null) {
            x.xdrEncodeLong(newSize);
        }
    }
}
