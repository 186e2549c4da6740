package io.nacre.nfs.v41.ops;

import io.nacre.nfs.v41.CompoundContext;
import io.nacre.nfs.v41.pnfs.Layouts;
import io.nacre.nfs.v41.pnfs.MetadataServerRole;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpRes;
import io.nacre.nfs.v41.xdr.TestStateidArgs;
import io.nacre.nfs.v41.xdr.TestStateidRes;

/** TEST_STATEID: the status each stateid would get (layout stateids: {@link Layouts#test}). */
final class TestStateid implements Operation {

    @Override
    public OpRes apply(CompoundContext ctx, OpArgs args) {
        var ids = ((TestStateidArgs) args).stateids();
        int[] codes = new int[ids.size()];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = Layouts.isLayoutStateid(ids.get(i)) && ctx.server().pnfs() instanceof MetadataServerRole r
                    ? r.layouts().test(ctx.client(), ids.get(i))
                    : ctx.server().state().test(ctx.client(), ids.get(i));
        }
        return OpRes.ok(OpNum.TEST_STATEID, new TestStateidRes(codes));
    }
}
