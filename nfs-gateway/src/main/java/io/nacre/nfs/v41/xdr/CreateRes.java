package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** CREATE4resok. */
public record CreateRes(ChangeInfo4 cinfo, int[] attrset) implements XdrEncodable {

    public static CreateRes decode(XdrDecodingStream x) throws IOException {
        return new CreateRes(ChangeInfo4.decode(x), XdrIo.bitmap(x));
    }

    @Override
    public void encode(XdrEncodingStream x) {
        cinfo.encode(x);
        XdrIo.bitmap(x, attrset);
    }
}
