package io.nacre.nfs.v41.ops;

import io.nacre.nfs.v41.CompoundContext;
import io.nacre.nfs.v41.xdr.DestroyClientidArgs;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpRes;

/** DESTROY_CLIENTID: the client's remaining state goes with it (and files removed while it had them open). */
final class DestroyClientid implements Operation {

    @Override
    public OpRes apply(CompoundContext ctx, OpArgs args) {
        var hidden = ctx.server().state().destroyClientid(((DestroyClientidArgs) args).clientid());
        ctx.server().unlinked().release(hidden);
        ctx.server().unlinked().settleAll(); // the client's opens went: a named gateway unmarks their files
        return OpRes.ok(OpNum.DESTROY_CLIENTID);
    }
}
