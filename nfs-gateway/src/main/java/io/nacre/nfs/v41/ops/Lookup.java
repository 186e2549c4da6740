package io.nacre.nfs.v41.ops;

import io.nacre.engine.meta.Attr;
import io.nacre.nfs.v41.CompoundContext;
import io.nacre.nfs.v41.xdr.LookupArgs;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpRes;

/** LOOKUP: the name in the current directory becomes the current filehandle; search permission checked by the MDS. */
final class Lookup implements Operation {

    @Override
    public OpRes apply(CompoundContext ctx, OpArgs args) {
        String name = Names.component(((LookupArgs) args).name());
        Attr a = ctx.server().md().lookup(ctx.caller(), ctx.currentFh(), name);
        ctx.currentFh(a.fid());
        ctx.remember(a);
        return OpRes.ok(OpNum.LOOKUP);
    }
}
