package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** BACKCHANNEL_CTL4args: a new callback program number and credentials for the session's backchannel. */
public record BackchannelCtlArgs(int cbProgram, List<CallbackSecParms4> secParms) implements OpArgs {

    static final int MAX_SEC_PARMS = 16;

    public BackchannelCtlArgs {
        secParms = List.copyOf(secParms);
    }

    public static BackchannelCtlArgs decode(XdrDecodingStream x) throws IOException {
        return new BackchannelCtlArgs(x.xdrDecodeInt(), decodeSecParms(x));
    }

    static List<CallbackSecParms4> decodeSecParms(XdrDecodingStream x) throws IOException {
        int n = XdrIo.count(x, MAX_SEC_PARMS);
        List<CallbackSecParms4> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(CallbackSecParms4.decode(x));
        }
        return out;
    }

    static void encodeSecParms(XdrEncodingStream x, List<CallbackSecParms4> parms) {
        x.xdrEncodeInt(parms.size());
        for (CallbackSecParms4 p : parms) {
            p.encode(x);
        }
    }

    @Override
    public int opnum() {
        return OpNum.BACKCHANNEL_CTL;
    }

    @Override
    public void encode(XdrEncodingStream x) {
        x.xdrEncodeInt(cbProgram);
        encodeSecParms(x, secParms);
    }
}
