package io.nacre.nfs.v41.ops;

import io.nacre.nfs.v41.CompoundContext;
import io.nacre.nfs.v41.xdr.LockuArgs;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpRes;
import io.nacre.nfs.v41.xdr.StateidRes;

/** LOCKU. */
final class Locku implements Operation {

    @Override
    public OpRes apply(CompoundContext ctx, OpArgs args) {
        LockuArgs a = (LockuArgs) args;
        var s = ctx.server().state().unlock(ctx.client(), ctx.currentFh(), ctx.stateid(a.stateid()), a.offset(),
                a.length());
        ctx.currentStateid(s);
        io.nacre.nfs.v41.LockWaiters.notify(ctx.server(), ctx.currentFh());
        return OpRes.ok(OpNum.LOCKU, new StateidRes(s));
    }
}
