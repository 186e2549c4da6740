package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** LOCK4denied: the conflicting lock. */
public record LockDenied(long offset, long length, int locktype, StateOwner4 owner) implements XdrEncodable {

    public static LockDenied decode(XdrDecodingStream x) throws IOException {
        return new LockDenied(x.xdrDecodeLong(), x.xdrDecodeLong(), x.xdrDecodeInt(), StateOwner4.decode(x));
    }

    @Override
    public void encode(XdrEncodingStream x) {
        x.xdrEncodeLong(offset);
        x.xdrEncodeLong(length);
        x.xdrEncodeInt(locktype);
        owner.encode(x);
    }
}
