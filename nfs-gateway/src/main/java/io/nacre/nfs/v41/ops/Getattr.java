package io.nacre.nfs.v41.ops;

import io.nacre.nfs.v41.CompoundContext;
import io.nacre.nfs.v41.xdr.GetattrArgs;
import io.nacre.nfs.v41.xdr.GetattrRes;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpRes;

/** GETATTR. */
final class Getattr implements Operation {

    @Override
    public OpRes apply(CompoundContext ctx, OpArgs args) {
        int[] mask = ((GetattrArgs) args).mask();
        var attr = ctx.attr(ctx.currentFh());
        return OpRes.ok(OpNum.GETATTR, new GetattrRes(ctx.server().attrs().encode(mask, ctx.target(attr))));
    }
}
