package io.nacre.nfs.v41.ops;

import io.nacre.nfs.v41.CompoundContext;
import io.nacre.nfs.v41.xdr.BackchannelCtlArgs;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpRes;

/** BACKCHANNEL_CTL: a new callback program and credentials for the session's backchannel. */
final class BackchannelCtl implements Operation {

    @Override
    public OpRes apply(CompoundContext ctx, OpArgs args) {
        BackchannelCtlArgs a = (BackchannelCtlArgs) args;
        ctx.session().backChannel().update(a.cbProgram(), a.secParms());
        return OpRes.ok(OpNum.BACKCHANNEL_CTL);
    }
}
