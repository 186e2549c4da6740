package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** DESTROY_CLIENTID4args. */
public record DestroyClientidArgs(long clientid) implements OpArgs {

    public static DestroyClientidArgs decode(XdrDecodingStream x) throws IOException {
        return new DestroyClientidArgs(x.xdrDecodeLong());
    }

    @Override
    public int opnum() {
        return OpNum.DESTROY_CLIENTID;
    }

    @Override
    public void encode(XdrEncodingStream x) {
        x.xdrEncodeLong(clientid);
    }
}
