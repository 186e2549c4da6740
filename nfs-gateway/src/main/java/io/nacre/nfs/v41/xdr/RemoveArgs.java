package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** REMOVE4args. */
public record RemoveArgs(byte[] name) implements OpArgs {

    public static RemoveArgs decode(XdrDecodingStream x) throws IOException {
        return new RemoveArgs(XdrIo.opaque(x, MAX_NAME));
    }

    @Override
    public int opnum() {
        return OpNum.REMOVE;
    }

    @Override
    public void encode(XdrEncodingStream x) {
        XdrIo.opaque(x, name);
    }
}
