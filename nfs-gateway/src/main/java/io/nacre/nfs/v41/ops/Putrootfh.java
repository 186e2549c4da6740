package io.nacre.nfs.v41.ops;

import io.nacre.nfs.v41.CompoundContext;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpRes;

/** PUTROOTFH (and PUTPUBFH: the public filehandle is the root here): the export root. */
final class Putrootfh implements Operation {

    @Override
    public OpRes apply(CompoundContext ctx, OpArgs args) {
        ctx.requireExported();
        ctx.currentFh(ctx.server().exportRoot());
        return OpRes.ok(args.opnum());
    }
}
