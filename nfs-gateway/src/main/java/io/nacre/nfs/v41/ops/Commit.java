package io.nacre.nfs.v41.ops;

import io.nacre.nfs.v41.CompoundContext;
import io.nacre.nfs.v41.xdr.CommitRes;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpRes;

/** COMMIT: makes the file's unstable writes durable and returns the write verifier. */
final class Commit implements Operation {

    @Override
    public OpRes apply(CompoundContext ctx, OpArgs args) {
        ctx.requireExported();
        return OpRes.ok(OpNum.COMMIT, new CommitRes(ctx.server().io().commit(ctx.currentFh())));
    }
}
