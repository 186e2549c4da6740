package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** sessionid4: 16 opaque bytes, held as two longs. */
public record SessionId4(long high, long low) implements XdrEncodable {

    public static SessionId4 decode(XdrDecodingStream x) throws IOException {
        return new SessionId4(x.xdrDecodeLong(), x.xdrDecodeLong());
    }

    @Override
    public void encode(XdrEncodingStream x) {
        x.xdrEncodeLong(high);
        x.xdrEncodeLong(low);
    }

    // Written out: a record's own equals and hashCode go through method handles that C1 (what the TCG guest
    // runs) calls without inlining, and every SEQUENCE looks its session up by this key.
    @Override
    public boolean equals(Object o) {
        return o instanceof SessionId4 s && s.high == high && s.low == low;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(high) * 31 + Long.hashCode(low);
    }

    @Override
    public String toString() {
        return "%016x%016x".formatted(high, low);
    }
}
