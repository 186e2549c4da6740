package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** CB_SEQUENCE4args. Referring call lists are not sent by this server (empty). */
public record CbSequenceArgs(SessionId4 sessionId, int sequenceId, int slotId, int highestSlotId,
                             boolean cacheThis, List<ReferringCalls> referringCalls) implements OpArgs {

    /** referring_call_list4: calls on the fore channel that this callback relates to. */
    public record ReferringCalls(SessionId4 sessionId, List<int[]> calls) {
    }

    public CbSequenceArgs {
        referringCalls = List.copyOf(referringCalls);
    }

    public static CbSequenceArgs decode(XdrDecodingStream x) throws IOException {
        SessionId4 sid = SessionId4.decode(x);
        int seq = x.xdrDecodeInt();
        int slot = x.xdrDecodeInt();
        int highest = x.xdrDecodeInt();
        boolean cache = x.xdrDecodeBoolean();
        int n = XdrIo.count(x, 64);
        List<ReferringCalls> lists = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            SessionId4 s = SessionId4.decode(x);
            int m = XdrIo.count(x, 1024);
            List<int[]> calls = new ArrayList<>(m);
            for (int j = 0; j < m; j++) {
                calls.add(new int[] {x.xdrDecodeInt(), x.xdrDecodeInt()});
            }
            lists.add(new ReferringCalls(s, calls));
        }
        return new CbSequenceArgs(sid, seq, slot, highest, cache, lists);
    }

    @Override
    public int opnum() {
        return OpNum.CB_SEQUENCE;
    }

    @Override
    public void encode(XdrEncodingStream x) {
        sessionId.encode(x);
        x.xdrEncodeInt(sequenceId);
        x.xdrEncodeInt(slotId);
        x.xdrEncodeInt(highestSlotId);
        x.xdrEncodeBoolean(cacheThis);
        x.xdrEncodeInt(referringCalls.size());
        for (ReferringCalls r : referringCalls) {
            r.sessionId().encode(x);
            x.xdrEncodeInt(r.calls().size());
            for (int[] c : r.calls()) {
                x.xdrEncodeInt(c[0]);
                x.xdrEncodeInt(c[1]);
            }
        }
    }
}
