package io.nacre.nfs.v41.ops;

import io.nacre.nfs.v41.CompoundContext;
import io.nacre.nfs.v41.xdr.DestroySessionArgs;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpRes;

/** DESTROY_SESSION. */
final class DestroySession implements Operation {

    @Override
    public OpRes apply(CompoundContext ctx, OpArgs args) {
        ctx.server().state().destroySession(((DestroySessionArgs) args).sessionId());
        return OpRes.ok(OpNum.DESTROY_SESSION);
    }
}
