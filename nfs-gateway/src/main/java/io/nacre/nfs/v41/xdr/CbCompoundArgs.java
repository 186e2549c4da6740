package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.dcache.oncrpc4j.xdr.XdrAble;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/**
 * CB_COMPOUND4args: what the server sends on the backchannel. Decoding (for clients and tests) knows
 * CB_SEQUENCE, CB_RECALL, CB_LAYOUTRECALL and CB_NOTIFY_LOCK and stops at anything else.
 */
public final class CbCompoundArgs implements XdrAble {

    private byte[] tag = new byte[0];
    private int minorVersion;
    private int callbackIdent;
    private List<OpArgs> ops = List.of();
    private int undecodedOp = -1;

    public CbCompoundArgs() {
    }

    public CbCompoundArgs(byte[] tag, int minorVersion, int callbackIdent, List<OpArgs> ops) {
        this.tag = tag.clone();
        this.minorVersion = minorVersion;
        this.callbackIdent = callbackIdent;
        this.ops = List.copyOf(ops);
    }

    public byte[] tag() {
        return tag.clone();
    }

    public int minorVersion() {
        return minorVersion;
    }

    public int callbackIdent() {
        return callbackIdent;
    }

    public List<OpArgs> ops() {
        return ops;
    }

    /** The operation number decoding stopped at, or -1. */
    public int undecodedOp() {
        return undecodedOp;
    }

    @Override
    public void xdrDecode(XdrDecodingStream x) throws IOException {
        tag = XdrIo.opaque(x, Nfs4.OPAQUE_LIMIT);
        minorVersion = x.xdrDecodeInt();
        callbackIdent = x.xdrDecodeInt();
        int n = XdrIo.count(x, CompoundArgs.MAX_OPS);
        List<OpArgs> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int op = x.xdrDecodeInt();
            OpArgs args = switch (op) {
                case OpNum.CB_SEQUENCE -> CbSequenceArgs.decode(x);
                case OpNum.CB_RECALL -> CbRecallArgs.decode(x);
                case OpNum.CB_LAYOUTRECALL -> CbLayoutRecallArgs.decode(x);
                case OpNum.CB_NOTIFY_LOCK -> CbNotifyLockArgs.decode(x);
                default -> null;
            };
            if (args == null) {
                undecodedOp = op;
                break;
            }
            out.add(args);
        }
        ops = List.copyOf(out);
    }

    @Override
    public void xdrEncode(XdrEncodingStream x) {
        XdrIo.opaque(x, tag);
        x.xdrEncodeInt(minorVersion);
        x.xdrEncodeInt(callbackIdent);
        x.xdrEncodeInt(ops.size());
        for (OpArgs op : ops) {
            x.xdrEncodeInt(op.opnum());
            op.encode(x);
        }
    }

}
