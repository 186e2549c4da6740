package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/**
 * EXCHANGE_ID4args. The client owner is (verifier, ownerId). Of state_protect4_a only the kind and,
 * for SP4_MACH_CRED, the operation bitmaps are kept; SP4_SSV parameters are read and dropped (the
 * server answers SP4_SSV with NFS4ERR_ENCR_ALG_UNSUPP).
 */
public record ExchangeIdArgs(long verifier, byte[] ownerId, int flags, int stateProtect, int[] mustEnforce,
                             int[] mustAllow, List<ImplId4> implId) implements OpArgs {

    public ExchangeIdArgs {
        implId = List.copyOf(implId);
    }

    public static ExchangeIdArgs decode(XdrDecodingStream x) throws IOException {
        long verifier = x.xdrDecodeLong();
        byte[] owner = XdrIo.opaque(x, Nfs4.OPAQUE_LIMIT);
        int flags = x.xdrDecodeInt();
        int how = x.xdrDecodeInt();
        int[] enforce = new int[0];
        int[] allow = new int[0];
        switch (how) {
            case Nfs4.SP4_NONE -> {
            }
            case Nfs4.SP4_MACH_CRED -> {
                enforce = XdrIo.bitmap(x);
                allow = XdrIo.bitmap(x);
            }
            case Nfs4.SP4_SSV -> {
                enforce = XdrIo.bitmap(x);
                allow = XdrIo.bitmap(x);
                for (int list = 0; list < 2; list++) { // ssp_hash_algs, ssp_encr_algs: sec_oid4<>
                    int n = XdrIo.count(x, 64);
                    for (int i = 0; i < n; i++) {
                        XdrIo.opaque(x, Nfs4.OPAQUE_LIMIT);
                    }
                }
                x.xdrDecodeInt(); // ssp_window
                x.xdrDecodeInt(); // ssp_num_gss_handles
            }
            default -> throw new BadXdrException("unknown state_protect_how4 " + how);
        }
        int n = XdrIo.count(x, 1);
        List<ImplId4> impl = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            impl.add(ImplId4.decode(x));
        }
        return new ExchangeIdArgs(verifier, owner, flags, how, enforce, allow, impl);
    }

    @Override
    public int opnum() {
        return OpNum.EXCHANGE_ID;
    }

    @Override
    public void encode(XdrEncodingStream x) {
        x.xdrEncodeLong(verifier);
        XdrIo.opaque(x, ownerId);
        x.xdrEncodeInt(flags);
        x.xdrEncodeInt(stateProtect);
        if (stateProtect == Nfs4.SP4_MACH_CRED) {
            XdrIo.bitmap(x, mustEnforce);
            XdrIo.bitmap(x, mustAllow);
        } else if (stateProtect == Nfs4.SP4_SSV) {
            XdrIo.bitmap(x, mustEnforce);
            XdrIo.bitmap(x, mustAllow);
            x.xdrEncodeInt(0);
            x.xdrEncodeInt(0);
            x.xdrEncodeInt(0);
            x.xdrEncodeInt(0);
        }
        x.xdrEncodeInt(implId.size());
        for (ImplId4 id : implId) {
            id.encode(x);
        }
    }
}
