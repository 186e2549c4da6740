package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** nfs_impl_id4: who implemented a client or server, for diagnostics only. */
public record ImplId4(String domain, String name, NfsTime4 date) implements XdrEncodable {

    public static ImplId4 decode(XdrDecodingStream x) throws IOException {
        return new ImplId4(XdrIo.utf8(XdrIo.opaque(x, Nfs4.OPAQUE_LIMIT)), XdrIo.utf8(XdrIo.opaque(x, Nfs4.OPAQUE_LIMIT)),
                NfsTime4.decode(x));
    }

    @Override
    public void encode(XdrEncodingStream x) {
        x.xdrEncodeString(domain);
        x.xdrEncodeString(name);
        date.encode(x);
    }
}
