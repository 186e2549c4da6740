package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** COMMIT4resok: the write verifier. */
public record CommitRes(long verifier) implements XdrEncodable {

    public static CommitRes decode(XdrDecodingStream x) throws IOException {
        return new CommitRes(x.xdrDecodeLong());
    }

    @Override
    public void encode(XdrEncodingStream x) {
        x.xdrEncodeLong(verifier);
    }
}
