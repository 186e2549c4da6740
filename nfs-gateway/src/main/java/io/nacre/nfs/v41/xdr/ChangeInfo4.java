package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** change_info4: a directory's change attribute around a namespace change. */
public record ChangeInfo4(boolean atomic, long before, long after) implements XdrEncodable {

    public static ChangeInfo4 decode(XdrDecodingStream x) throws IOException {
        return new ChangeInfo4(x.xdrDecodeBoolean(), x.xdrDecodeLong(), x.xdrDecodeLong());
    }

    @Override
    public void encode(XdrEncodingStream x) {
        x.xdrEncodeBoolean(atomic);
        x.xdrEncodeLong(before);
        x.xdrEncodeLong(after);
    }
}
