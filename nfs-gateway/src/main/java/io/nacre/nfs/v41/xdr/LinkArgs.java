package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** LINK4args: the new name in the current directory for the saved filehandle. */
public record LinkArgs(byte[] newName) implements OpArgs {

    public static LinkArgs decode(XdrDecodingStream x) throws IOException {
        return new LinkArgs(XdrIo.opaque(x, MAX_NAME));
    }

    @Override
    public int opnum() {
        return OpNum.LINK;
    }

    @Override
    public void encode(XdrEncodingStream x) {
        XdrIo.opaque(x, newName);
    }
}
