package io.nacre.nfs.v41.ops;

import io.nacre.nfs.v41.CompoundContext;
import io.nacre.nfs.v41.pnfs.Layouts;
import io.nacre.nfs.v41.pnfs.MetadataServerRole;
import io.nacre.nfs.v41.xdr.FreeStateidArgs;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpRes;
import io.nacre.nfs.v41.xdr.Stateid4;

/** FREE_STATEID. */
final class FreeStateid implements Operation {

    @Override
    public OpRes apply(CompoundContext ctx, OpArgs args) {
        Stateid4 s = ctx.stateid(((FreeStateidArgs) args).stateid());
        // a revoked layout stateid is freed once its client has seen the revocation (RFC 8881 §18.38)
        if (!(Layouts.isLayoutStateid(s) && ctx.server().pnfs() instanceof MetadataServerRole r
                && r.layouts().free(ctx.client(), s))) {
            ctx.server().state().free(ctx.client(), s);
        }
        return OpRes.ok(OpNum.FREE_STATEID);
    }
}
