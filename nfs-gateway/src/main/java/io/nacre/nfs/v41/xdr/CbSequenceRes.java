package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** CB_SEQUENCE4resok. */
public record CbSequenceRes(SessionId4 sessionId, int sequenceId, int slotId, int highestSlotId,
                            int targetHighestSlotId) implements XdrEncodable {

    public static CbSequenceRes decode(XdrDecodingStream x) throws IOException {
        return new CbSequenceRes(SessionId4.decode(x), x.xdrDecodeInt(), x.xdrDecodeInt(), x.xdrDecodeInt(),
                x.xdrDecodeInt());
    }

    @Override
    public void encode(XdrEncodingStream x) {
        sessionId.encode(x);
        x.xdrEncodeInt(sequenceId);
        x.xdrEncodeInt(slotId);
        x.xdrEncodeInt(highestSlotId);
        x.xdrEncodeInt(targetHighestSlotId);
    }
}
