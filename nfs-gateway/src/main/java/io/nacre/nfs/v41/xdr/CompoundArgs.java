package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.dcache.oncrpc4j.xdr.XdrAble;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/**
 * COMPOUND4args. Decoding stops at the first operation that cannot be decoded: the operations before
 * it run, and {@code stop} tells which result ends the reply if they all succeed (NFS4ERR_OP_ILLEGAL
 * for an unknown operation, NFS4ERR_NOTSUPP for one this server does not implement, NFS4ERR_BADXDR
 * for malformed arguments), as RFC 8881 §15.2 has it.
 */
public final class CompoundArgs implements XdrAble {

    /** Operations one COMPOUND may carry before the whole request is refused as garbage. */
    public static final int MAX_OPS = 1024;

    /** The result that ends a compound whose decoding stopped early. */
    public record Stop(int opnum, int status) {
    }

    private byte[] tag = new byte[0];
    private int minorVersion;
    private List<OpArgs> ops = List.of();
    private int opCount;
    private Stop stop;

    public CompoundArgs() {
    }

    public CompoundArgs(byte[] tag, int minorVersion, List<OpArgs> ops) {
        this.tag = tag.clone();
        this.minorVersion = minorVersion;
        this.ops = List.copyOf(ops);
        this.opCount = ops.size();
    }

    public byte[] tag() {
        return tag.clone();
    }

    public int minorVersion() {
        return minorVersion;
    }

    /** The operations decoded, in order. */
    public List<OpArgs> ops() {
        return ops;
    }

    /** How many operations the client sent (decoded or not). */
    public int opCount() {
        return opCount;
    }

    /** Why decoding stopped before the end, or null. */
    public Stop stop() {
        return stop;
    }

    @Override
    public void xdrDecode(XdrDecodingStream x) throws IOException {
        tag = XdrIo.opaque(x, Nfs4.OPAQUE_LIMIT);
        minorVersion = x.xdrDecodeInt();
        opCount = XdrIo.count(x, MAX_OPS);
        List<OpArgs> decoded = new ArrayList<>(opCount);
        if (minorVersion == Nfs4.MINOR_VERSION) {
            for (int i = 0; i < opCount && stop == null; i++) {
                int op = x.xdrDecodeInt();
                if (op < OpNum.ACCESS || op > OpNum.LAST_V41) {
                    stop = new Stop(OpNum.ILLEGAL, Nfs4Status.NFS4ERR_OP_ILLEGAL);
                    break;
                }
                try {
                    OpArgs args = OpArgs.decode(op, x);
                    if (args == null) {
                        stop = new Stop(op, Nfs4Status.NFS4ERR_NOTSUPP);
                    } else {
                        decoded.add(args);
                    }
                } catch (IOException e) {
                    stop = new Stop(op, Nfs4Status.NFS4ERR_BADXDR);
                }
            }
        }
        ops = List.copyOf(decoded);
    }

    @Override
    public void xdrEncode(XdrEncodingStream x) {
        XdrIo.opaque(x, tag);
        x.xdrEncodeInt(minorVersion);
        x.xdrEncodeInt(ops.size());
        for (OpArgs op : ops) {
            x.xdrEncodeInt(op.opnum());
            op.encode(x);
        }
    }
}
