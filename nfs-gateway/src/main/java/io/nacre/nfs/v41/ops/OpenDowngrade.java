package io.nacre.nfs.v41.ops;

import io.nacre.nfs.v41.CompoundContext;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpRes;
import io.nacre.nfs.v41.xdr.OpenDowngradeArgs;
import io.nacre.nfs.v41.xdr.StateidRes;

/** OPEN_DOWNGRADE. */
final class OpenDowngrade implements Operation {

    @Override
    public OpRes apply(CompoundContext ctx, OpArgs args) {
        OpenDowngradeArgs a = (OpenDowngradeArgs) args;
        var s = ctx.server().state().downgrade(ctx.client(), ctx.currentFh(), ctx.stateid(a.stateid()),
                a.shareAccess() & 3, a.shareDeny());
        ctx.currentStateid(s);
        return OpRes.ok(OpNum.OPEN_DOWNGRADE, new StateidRes(s));
    }
}
