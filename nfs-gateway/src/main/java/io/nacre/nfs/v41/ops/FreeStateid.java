package io.nacre.nfs.v41.ops;

import io.nacre.nfs.v41.CompoundContext;
import io.nacre.nfs.v41.xdr.FreeStateidArgs;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpRes;

/** FREE_STATEID. */
final class FreeStateid implements Operation {

    @Override
    public OpRes apply(CompoundContext ctx, OpArgs args) {
        ctx.server().state().free(ctx.client(), ctx.stateid(((FreeStateidArgs) args).stateid()));
        return OpRes.ok(OpNum.FREE_STATEID);
    }
}
