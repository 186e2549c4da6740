package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/**
 * OPEN4resok. This server grants no delegations: {@code delegationType} is OPEN_DELEGATE_NONE, or
 * OPEN_DELEGATE_NONE_EXT with {@code whyNone} when the client asked for one.
 */
public record OpenRes(Stateid4 stateid, ChangeInfo4 cinfo, int rflags, int[] attrset, int delegationType,
                      int whyNone) implements XdrEncodable {

    public static OpenRes decode(XdrDecodingStream x) throws IOException {
        Stateid4 stateid = Stateid4.decode(x);
        ChangeInfo4 cinfo = ChangeInfo4.decode(x);
        int rflags = x.xdrDecodeInt();
        int[] attrset = XdrIo.bitmap(x);
        int type = x.xdrDecodeInt();
        int why = 0;
        switch (type) {
            case Nfs4.OPEN_DELEGATE_NONE -> {
            }
            case Nfs4.OPEN_DELEGATE_NONE_EXT -> {
                why = x.xdrDecodeInt();
                if (why == Nfs4.WND4_CONTENTION || why == Nfs4.WND4_RESOURCE) {
                    x.xdrDecodeBoolean();
                }
            }
            default -> throw new BadXdrException("delegation type " + type + " not expected from this server");
        }
        return new OpenRes(stateid, cinfo, rflags, attrset, type, why);
    }

    @Override
    public void encode(XdrEncodingStream x) {
        stateid.encode(x);
        cinfo.encode(x);
        x.xdrEncodeInt(rflags);
        XdrIo.bitmap(x, attrset);
        x.xdrEncodeInt(delegationType);
        if (delegationType == Nfs4.OPEN_DELEGATE_NONE_EXT) {
            x.xdrEncodeInt(whyNone);
            if (whyNone == Nfs4.WND4_CONTENTION || whyNone == Nfs4.WND4_RESOURCE) {
                x.xdrEncodeBoolean(false);
            }
        }
    }
}
