package io.nacre.nfs.v41.ops;

import static io.nacre.nfs.v41.xdr.Nfs4.*;
import static io.nacre.nfs.v41.xdr.Nfs4Status.*;

import io.nacre.nfs.v41.CompoundContext;
import io.nacre.nfs.v41.NfsException;
import io.nacre.nfs.v41.ServerContext;
import io.nacre.nfs.v41.state.StateManager;
import io.nacre.nfs.v41.xdr.ExchangeIdArgs;
import io.nacre.nfs.v41.xdr.ExchangeIdRes;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpRes;

/**
 * EXCHANGE_ID. State protection SP4_NONE only: SP4_MACH_CRED needs RPCSEC_GSS (NFS4ERR_INVAL with
 * AUTH_SYS, as knfsd answers) and SP4_SSV is not offered.
 */
final class ExchangeId implements Operation {

    private static final int CLIENT_FLAGS = EXCHGID4_FLAG_SUPP_MOVED_REFER | EXCHGID4_FLAG_SUPP_MOVED_MIGR
            | EXCHGID4_FLAG_BIND_PRINC_STATEID | EXCHGID4_FLAG_MASK_PNFS | EXCHGID4_FLAG_UPD_CONFIRMED_REC_A;

    @Override
    public OpRes apply(CompoundContext ctx, OpArgs args) {
        ExchangeIdArgs a = (ExchangeIdArgs) args;
        if ((a.flags() & ~CLIENT_FLAGS) != 0) {
            throw new NfsException(NFS4ERR_INVAL, "EXCHANGE_ID flags %08x".formatted(a.flags()));
        }
        switch (a.stateProtect()) {
            case SP4_NONE -> {
            }
            case SP4_MACH_CRED -> throw new NfsException(NFS4ERR_INVAL, "SP4_MACH_CRED needs RPCSEC_GSS");
            default -> throw new NfsException(NFS4ERR_ENCR_ALG_UNSUPP, "SP4_SSV is not offered");
        }
        ServerContext s = ctx.server();
        int flags = s.pnfs() == null ? EXCHGID4_FLAG_USE_NON_PNFS : s.pnfs().exchangeIdFlags();
        StateManager.Exchanged x = s.state().exchangeId(a.ownerId(), a.verifier(),
                (a.flags() & EXCHGID4_FLAG_UPD_CONFIRMED_REC_A) != 0, ctx.request().principal(), flags);
        int resFlags = x.client().flags() | (x.confirmed() ? EXCHGID4_FLAG_CONFIRMED_R : 0);
        return OpRes.ok(OpNum.EXCHANGE_ID, new ExchangeIdRes(x.client().clientid(), x.sequenceId(), resFlags, SP4_NONE,
                new int[0], new int[0], 0, s.serverOwner(), s.serverScope(), s.implId()));
    }
}
