package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/**
 * stateid4: a seqid and 12 opaque bytes ("other"), held as their first 4 and last 8 bytes. Nacre's
 * stateids put the server's boot epoch in the first 4 and a unique number in the last 8, so a stateid
 * from an earlier server instance is recognised as such.
 */
public record Stateid4(int seqid, int epoch, long id) implements XdrEncodable {

    /** The anonymous stateid (all zeros): I/O without open state (RFC 8881 §8.2.3). */
    public static final Stateid4 ANONYMOUS = new Stateid4(0, 0, 0);
    /** All ones: READ bypassing share reservations. */
    public static final Stateid4 BYPASS = new Stateid4(-1, -1, -1L);
    /** The current stateid of the compound (seqid 1, other zero). */
    public static final Stateid4 CURRENT = new Stateid4(1, 0, 0);
    /** The invalid special stateid (seqid all ones, other zero); CLOSE returns it. */
    public static final Stateid4 INVALID = new Stateid4(-1, 0, 0);

    public static Stateid4 decode(XdrDecodingStream x) throws IOException {
        return new Stateid4(x.xdrDecodeInt(), x.xdrDecodeInt(), x.xdrDecodeLong());
    }

    @Override
    public void encode(XdrEncodingStream x) {
        x.xdrEncodeInt(seqid);
        x.xdrEncodeInt(epoch);
        x.xdrEncodeLong(id);
    }

    /** True for the special stateids whose "other" is all zeros or all ones. */
    public boolean isSpecial() {
        return (epoch == 0 && id == 0) || (epoch == -1 && id == -1L);
    }

    public boolean isAnonymous() {
        return equals(ANONYMOUS);
    }

    public boolean isBypass() {
        return equals(BYPASS);
    }

    public boolean isCurrent() {
        return equals(CURRENT);
    }

    /** The same state at another seqid. */
    public Stateid4 withSeqid(int s) {
        return new Stateid4(s, epoch, id);
    }

    // Written out: a record's own equals and hashCode go through method handles that C1 (what the TCG guest
    // runs) calls without inlining; stateids are compared and hashed on every stateful operation.
    @Override
    public boolean equals(Object o) {
        return o instanceof Stateid4 s && s.seqid == seqid && s.epoch == epoch && s.id == id;
    }

    @Override
    public int hashCode() {
        return (seqid * 31 + epoch) * 31 + Long.hashCode(id);
    }

    @Override
    public String toString() {
        return "[%d:%08x:%016x]".formatted(Integer.toUnsignedLong(seqid), epoch, id);
    }
}
