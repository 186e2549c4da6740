package io.nacre.nfs.v41.ops;

import static io.nacre.nfs.v41.xdr.Nfs4Status.NFS4ERR_NOT_ONLY_OP;

import io.nacre.nfs.v41.CompoundContext;
import io.nacre.nfs.v41.NfsException;
import io.nacre.nfs.v41.xdr.BindConnToSessionArgs;
import io.nacre.nfs.v41.xdr.BindConnToSessionRes;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpRes;

/** BIND_CONN_TO_SESSION: this connection carries the session's fore and/or back channel (after a reconnect). */
final class BindConnToSession implements Operation {

    @Override
    public OpRes apply(CompoundContext ctx, OpArgs args) {
        BindConnToSessionArgs a = (BindConnToSessionArgs) args;
        if (ctx.opCount() != 1) {
            throw new NfsException(NFS4ERR_NOT_ONLY_OP, "BIND_CONN_TO_SESSION must be alone");
        }
        int dir = ctx.server().state().bindConnection(a.sessionId(), a.dir(), ctx.request().transport(),
                ctx.request().remote());
        return OpRes.ok(OpNum.BIND_CONN_TO_SESSION, new BindConnToSessionRes(a.sessionId(), dir, false));
    }
}
