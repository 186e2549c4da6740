package io.nacre.nfs.v41.ops;

import io.nacre.nfs.v41.CompoundContext;
import io.nacre.nfs.v41.xdr.GetfhRes;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpRes;

/** GETFH. */
final class Getfh implements Operation {

    @Override
    public OpRes apply(CompoundContext ctx, OpArgs args) {
        return OpRes.ok(OpNum.GETFH, new GetfhRes(ctx.server().handles().encode(ctx.currentFh())));
    }
}
