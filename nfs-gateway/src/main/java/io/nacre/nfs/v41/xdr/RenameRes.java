package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** RENAME4resok. */
public record RenameRes(ChangeInfo4 source, ChangeInfo4 target) implements XdrEncodable {

    public static RenameRes decode(XdrDecodingStream x) throws IOException {
        return new RenameRes(ChangeInfo4.decode(x), ChangeInfo4.decode(x));
    }

    @Override
    public void encode(XdrEncodingStream x) {
        source.encode(x);
        target.encode(x);
    }
}
