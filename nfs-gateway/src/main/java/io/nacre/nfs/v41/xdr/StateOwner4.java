package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import java.util.Arrays;
import java.util.HexFormat;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** state_owner4 (open_owner4, lock_owner4): a client id and the client's opaque name for the owner. */
public record StateOwner4(long clientid, byte[] owner) implements XdrEncodable {

    public StateOwner4 {
        owner = owner.clone();
    }

    public static StateOwner4 decode(XdrDecodingStream x) throws IOException {
        return new StateOwner4(x.xdrDecodeLong(), XdrIo.opaque(x, Nfs4.OPAQUE_LIMIT));
    }

    @Override
    public void encode(XdrEncodingStream x) {
        x.xdrEncodeLong(clientid);
        XdrIo.opaque(x, owner);
    }

    @Override
    public byte[] owner() {
        return owner.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StateOwner4 s && s.clientid == clientid && Arrays.equals(s.owner, owner);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(clientid) * 31 + Arrays.hashCode(owner);
    }

    @Override
    public String toString() {
        return "%x/%s".formatted(clientid, HexFormat.of().formatHex(owner));
    }
}
