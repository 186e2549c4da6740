package io.nacre.nfs.v41.ops;

import static io.nacre.nfs.v41.xdr.Nfs4Status.NFS4ERR_BAD_STATEID;

import io.nacre.nfs.v41.CompoundContext;
import io.nacre.nfs.v41.NfsException;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpRes;

/** DELEGRETURN: this server grants no delegations, so every delegation stateid is unknown. */
final class DelegReturn implements Operation {

    @Override
    public OpRes apply(CompoundContext ctx, OpArgs args) {
        ctx.currentFh();
        throw new NfsException(NFS4ERR_BAD_STATEID, "no delegation was granted");
    }
}
