package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import java.util.List;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** CREATE_SESSION4args. */
public record CreateSessionArgs(long clientid, int sequence, int flags, ChannelAttrs4 fore, ChannelAttrs4 back,
                                int cbProgram, List<CallbackSecParms4> secParms) implements OpArgs {

    public CreateSessionArgs {
        secParms = List.copyOf(secParms);
    }

    public static CreateSessionArgs decode(XdrDecodingStream x) throws IOException {
        return new CreateSessionArgs(x.xdrDecodeLong(), x.xdrDecodeInt(), x.xdrDecodeInt(), ChannelAttrs4.decode(x),
                ChannelAttrs4.decode(x), x.xdrDecodeInt(), BackchannelCtlArgs.decodeSecParms(x));
    }

    @Override
    public int opnum() {
        return OpNum.CREATE_SESSION;
    }

    @Override
    public void encode(XdrEncodingStream x) {
        x.xdrEncodeLong(clientid);
        x.xdrEncodeInt(sequence);
        x.xdrEncodeInt(flags);
        fore.encode(x);
        back.encode(x);
        x.xdrEncodeInt(cbProgram);
        BackchannelCtlArgs.encodeSecParms(x, secParms);
    }
}
