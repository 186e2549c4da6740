package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** EXCHANGE_ID4resok. State protection is SP4_NONE or SP4_MACH_CRED (with its two operation bitmaps). */
public record ExchangeIdRes(long clientid, int sequenceId, int flags, int stateProtect, int[] mustEnforce,
                            int[] mustAllow, long serverMinorId, byte[] serverMajorId, byte[] serverScope,
                            List<ImplId4> implId) implements XdrEncodable {

    public ExchangeIdRes {
        implId = List.copyOf(implId);
    }

    public static ExchangeIdRes decode(XdrDecodingStream x) throws IOException {
        long clientid = x.xdrDecodeLong();
        int seq = x.xdrDecodeInt();
        int flags = x.xdrDecodeInt();
        int how = x.xdrDecodeInt();
        int[] enforce = new int[0];
        int[] allow = new int[0];
        if (how == Nfs4.SP4_MACH_CRED) {
            enforce = XdrIo.bitmap(x);
            allow = XdrIo.bitmap(x);
        } else if (how != Nfs4.SP4_NONE) {
            throw new BadXdrException("state protection " + how + " not expected from this server");
        }
        long minor = x.xdrDecodeLong();
        byte[] major = XdrIo.opaque(x, Nfs4.OPAQUE_LIMIT);
        byte[] scope = XdrIo.opaque(x, Nfs4.OPAQUE_LIMIT);
        int n = XdrIo.count(x, 1);
        List<ImplId4> impl = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            impl.add(ImplId4.decode(x));
        }
        return new ExchangeIdRes(clientid, seq, flags, how, enforce, allow, minor, major, scope, impl);
    }

    @Override
    public void encode(XdrEncodingStream x) {
        x.xdrEncodeLong(clientid);
        x.xdrEncodeInt(sequenceId);
        x.xdrEncodeInt(flags);
        x.xdrEncodeInt(stateProtect);
        if (stateProtect == Nfs4.SP4_MACH_CRED) {
            XdrIo.bitmap(x, mustEnforce);
            XdrIo.bitmap(x, mustAllow);
        }
        x.xdrEncodeLong(serverMinorId);
        XdrIo.opaque(x, serverMajorId);
        XdrIo.opaque(x, serverScope);
        x.xdrEncodeInt(implId.size());
        for (ImplId4 id : implId) {
            id.encode(x);
        }
    }
}
