package io.nacre.nfs.v41.ops;

import io.nacre.nfs.v41.CompoundContext;
import io.nacre.nfs.v41.pnfs.MetadataServerRole;
import io.nacre.nfs.v41.xdr.ChangeInfoRes;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpRes;
import io.nacre.nfs.v41.xdr.RemoveArgs;

/** REMOVE: a file or an empty directory; a file still open somewhere lives on hidden until its last close. */
final class Remove implements Operation {

    @Override
    public OpRes apply(CompoundContext ctx, OpArgs args) {
        ctx.requireWritable();
        String name = Names.component(((RemoveArgs) args).name());
        io.nacre.engine.meta.Results.DirChange change;
        try (var recall = MetadataServerRole.recallNamed(ctx, ctx.currentFh(), name, "unlink")) {
            change = ctx.server().unlinked().remove(ctx.caller(), ctx.currentFh(), name);
        }
        return OpRes.ok(OpNum.REMOVE, new ChangeInfoRes(Names.cinfo(change)));
    }
}
