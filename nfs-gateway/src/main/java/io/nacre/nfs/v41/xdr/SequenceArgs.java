package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** SEQUENCE4args. */
public record SequenceArgs(SessionId4 sessionId, int sequenceId, int slotId, int highestSlotId, boolean cacheThis) implements OpArgs {

    public static SequenceArgs decode(XdrDecodingStream x) throws IOException {
        return new SequenceArgs(SessionId4.decode(x), x.xdrDecodeInt(), x.xdrDecodeInt(), x.xdrDecodeInt(), x.xdrDecodeBoolean());
    }

    @Override
    public int opnum() {
        return OpNum.SEQUENCE;
    }

    @Override
    public void encode(XdrEncodingStream x) {
        sessionId.encode(x);
        x.xdrEncodeInt(sequenceId);
        x.xdrEncodeInt(slotId);
        x.xdrEncodeInt(highestSlotId);
        x.xdrEncodeBoolean(cacheThis);
    }
}
