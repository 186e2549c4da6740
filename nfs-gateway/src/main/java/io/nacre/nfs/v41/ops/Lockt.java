package io.nacre.nfs.v41.ops;

import io.nacre.nfs.v41.CompoundContext;
import io.nacre.nfs.v41.xdr.LockDenied;
import io.nacre.nfs.v41.xdr.LocktArgs;
import io.nacre.nfs.v41.xdr.Nfs4Status;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpRes;

/** LOCKT: would this lock be granted? (fcntl F_GETLK) */
final class Lockt implements Operation {

    @Override
    public OpRes apply(CompoundContext ctx, OpArgs args) {
        LocktArgs a = (LocktArgs) args;
        LockDenied d = ctx.server().state().testLock(ctx.client(), ctx.currentFh(), a.locktype(), a.offset(),
                a.length(), a.owner());
        return d == null ? OpRes.ok(OpNum.LOCKT) : new OpRes(OpNum.LOCKT, Nfs4Status.NFS4ERR_DENIED, d);
    }
}
