package io.nacre.nfs.v41.xdr;

import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** A value that writes itself in XDR. */
public interface XdrEncodable {
    void encode(XdrEncodingStream x);
}
