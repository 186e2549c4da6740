package io.nacre.nfs.v41.ops;

import io.nacre.engine.meta.MetadataService;
import io.nacre.nfs.v41.CompoundContext;
import io.nacre.nfs.v41.pnfs.MetadataServerRole;
import io.nacre.nfs.v41.xdr.ChangeInfoRes;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpRes;
import io.nacre.nfs.v41.xdr.RemoveArgs;
import java.util.concurrent.CompletableFuture;

/** REMOVE: a file or an empty directory; a file still open somewhere lives on hidden until its last close. */
final class Remove implements Operation {

    @Override
    public OpRes apply(CompoundContext ctx, OpArgs args) {
        ctx.requireWritable();
        String name = Names.component(((RemoveArgs) args).name());
        io.nacre.engine.meta.Results.Removed removed;
        try (var recall = MetadataServerRole.recallNamed(ctx, ctx.currentFh(), name, "unlink")) {
            removed = ctx.server().unlinked().remove(ctx.caller(), ctx.currentFh(), name);
        }
        MetadataServerRole.gone(ctx, removed.attr(), "unlink");
        return OpRes.ok(OpNum.REMOVE, new ChangeInfoRes(Names.cinfo(removed.dir())));
    }

    /**
     * The common case, no file open here (none to hide) and no layout held (none to recall), needs nothing but
     * the MDS's change: it is queued and the compound goes on when it is applied, without a worker waiting
     * for it. Otherwise {@link #apply} runs, on a worker.
     */
    @Override
    public CompletableFuture<OpRes> applyAsync(CompoundContext ctx, OpArgs args) {
        if (ctx.server().unlinked().mayKeep() || MetadataServerRole.mayRecall(ctx)) {
            return null;
        }
        ctx.requireWritable();
        String name = Names.component(((RemoveArgs) args).name());
        return ctx.server().md().removeAsync(ctx.caller(), ctx.currentFh(), name, MetadataService.RemoveKind.ANY)
                .thenApply(r -> OpRes.ok(OpNum.REMOVE, new ChangeInfoRes(Names.cinfo(r.dir()))));
    }
}
