package io.nacre.nfs.v41.ops;

import io.nacre.engine.meta.Results.Created;
import io.nacre.nfs.v41.CompoundContext;
import io.nacre.nfs.v41.xdr.ChangeInfoRes;
import io.nacre.nfs.v41.xdr.LinkArgs;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpRes;

/** LINK: a new name in the current directory for the saved filehandle. */
final class Link implements Operation {

    @Override
    public OpRes apply(CompoundContext ctx, OpArgs args) {
        ctx.requireWritable();
        String name = Names.component(((LinkArgs) args).newName());
        Created c = ctx.server().md().link(ctx.caller(), ctx.savedFh(), ctx.currentFh(), name);
        return OpRes.ok(OpNum.LINK, new ChangeInfoRes(Names.cinfo(c.dir())));
    }
}
