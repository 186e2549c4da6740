package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** SEQUENCE4resok. */
public record SequenceRes(SessionId4 sessionId, int sequenceId, int slotId, int highestSlotId, int targetHighestSlotId, int statusFlags) implements XdrEncodable {

    public static SequenceRes decode(XdrDecodingStream x) throws IOException {
        return new SequenceRes(SessionId4.decode(x), x.xdrDecodeInt(), x.xdrDecodeInt(), x.xdrDecodeInt(), x.xdrDecodeInt(), x.xdrDecodeInt());
    }

    @Override
    public void encode(XdrEncodingStream x) {
        sessionId.encode(x);
        x.xdrEncodeInt(sequenceId);
        x.xdrEncodeInt(slotId);
        x.xdrEncodeInt(highestSlotId);
        x.xdrEncodeInt(targetHighestSlotId);
        x.xdrEncodeInt(statusFlags);
    }
}
