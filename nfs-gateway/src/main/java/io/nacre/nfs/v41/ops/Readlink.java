package io.nacre.nfs.v41.ops;

import io.nacre.nfs.v41.CompoundContext;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpRes;
import io.nacre.nfs.v41.xdr.ReadlinkRes;
import java.nio.charset.StandardCharsets;

/** READLINK. */
final class Readlink implements Operation {

    @Override
    public OpRes apply(CompoundContext ctx, OpArgs args) {
        ctx.requireExported();
        String target = ctx.server().md().readlink(ctx.currentFh());
        return OpRes.ok(OpNum.READLINK, new ReadlinkRes(target.getBytes(StandardCharsets.UTF_8)));
    }
}
