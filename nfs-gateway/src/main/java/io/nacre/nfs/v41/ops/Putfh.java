package io.nacre.nfs.v41.ops;

import io.nacre.nfs.v41.CompoundContext;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpRes;
import io.nacre.nfs.v41.xdr.PutfhArgs;

/** PUTFH: the current filehandle, from a handle of ours (NFS4ERR_BADHANDLE otherwise). */
final class Putfh implements Operation {

    @Override
    public OpRes apply(CompoundContext ctx, OpArgs args) {
        ctx.requireExported();
        ctx.currentFh(ctx.server().handles().decode(((PutfhArgs) args).fh()));
        return OpRes.ok(OpNum.PUTFH);
    }
}
