package io.nacre.nfs.v41.ops;

import io.nacre.nfs.v41.CompoundContext;
import io.nacre.nfs.v41.xdr.CreateSessionArgs;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpRes;

/** CREATE_SESSION: confirms the client, binds this connection to the fore (and, if asked, back) channel. */
final class CreateSession implements Operation {

    @Override
    public OpRes apply(CompoundContext ctx, OpArgs args) {
        var res = ctx.server().state().createSession((CreateSessionArgs) args, ctx.request().principal(),
                ctx.request().transport(), ctx.request().remote());
        return OpRes.ok(OpNum.CREATE_SESSION, res);
    }
}
