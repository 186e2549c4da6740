package io.nacre.nfs.v41.ops;

import static io.nacre.nfs.v41.xdr.Nfs4Status.NFS4ERR_NOENT;

import io.nacre.engine.Fid;
import io.nacre.engine.meta.Attr;
import io.nacre.nfs.v41.CompoundContext;
import io.nacre.nfs.v41.NfsException;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpRes;

/** LOOKUPP: the parent directory; NFS4ERR_NOENT at the export root. */
final class Lookupp implements Operation {

    @Override
    public OpRes apply(CompoundContext ctx, OpArgs args) {
        Fid dir = ctx.currentFh();
        if (dir.equals(ctx.server().exportRoot())) {
            throw new NfsException(NFS4ERR_NOENT, "LOOKUPP at the export root");
        }
        Attr parent = ctx.server().md().resolve(ctx.caller(), dir, "..");
        ctx.currentFh(parent.fid());
        return OpRes.ok(OpNum.LOOKUPP);
    }
}
