package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** A result that is one change_info4: LINK, REMOVE. */
public record ChangeInfoRes(ChangeInfo4 cinfo) implements XdrEncodable {

    public static ChangeInfoRes decode(XdrDecodingStream x) throws IOException {
        return new ChangeInfoRes(ChangeInfo4.decode(x));
    }

    @Override
    public void encode(XdrEncodingStream x) {
        cinfo.encode(x);
    }
}
