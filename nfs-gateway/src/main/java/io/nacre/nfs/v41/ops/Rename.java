package io.nacre.nfs.v41.ops;

import io.nacre.engine.meta.Results.Renamed;
import io.nacre.nfs.v41.CompoundContext;
import io.nacre.nfs.v41.pnfs.MetadataServerRole;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpRes;
import io.nacre.nfs.v41.xdr.RenameArgs;
import io.nacre.nfs.v41.xdr.RenameRes;

/** RENAME from the saved directory to the current one; an open file it replaces lives on hidden. */
final class Rename implements Operation {

    @Override
    public OpRes apply(CompoundContext ctx, OpArgs args) {
        RenameArgs a = (RenameArgs) args;
        ctx.requireWritable();
        String from = Names.component(a.oldName());
        String to = Names.component(a.newName());
        var from0 = ctx.savedFh();
        var to0 = ctx.currentFh();
        // a name onto itself replaces nothing and the MDS does nothing (RFC 8881 §18.26.4): hiding the open file
        // first would take its name away, and recalling its layouts would only hold the client up. Nor does a
        // rename onto another name of the same file (POSIX), which has two links: neither hidden nor recalled.
        boolean replaces = !(from0.equals(to0) && from.equals(to));
        Renamed r;
        try (var recall = replaces ? MetadataServerRole.recallNamed(ctx, to0, to, "rename over")
                : MetadataServerRole.Recall.NONE) {
            if (replaces) {
                ctx.server().unlinked().keepIfOpen(ctx.caller(), to0, to);
            }
            r = ctx.server().md().rename(ctx.caller(), from0, from, to0, to);
        }
        MetadataServerRole.gone(ctx, r.replaced(), "rename over");
        return OpRes.ok(OpNum.RENAME, new RenameRes(Names.cinfo(r.from()), Names.cinfo(r.to())));
    }
}
