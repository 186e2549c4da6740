package io.nacre.nfs.v41.ops;

import io.nacre.nfs.v41.CompoundContext;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpRes;
import io.nacre.nfs.v41.xdr.ReclaimCompleteArgs;

/** RECLAIM_COMPLETE: the client reclaimed everything it had; for one file system only (migration) it is a no-op here. */
final class ReclaimComplete implements Operation {

    @Override
    public OpRes apply(CompoundContext ctx, OpArgs args) {
        if (((ReclaimCompleteArgs) args).oneFs()) {
            ctx.currentFh();
            return OpRes.ok(OpNum.RECLAIM_COMPLETE);
        }
        ctx.server().state().reclaimComplete(ctx.client());
        return OpRes.ok(OpNum.RECLAIM_COMPLETE);
    }
}
