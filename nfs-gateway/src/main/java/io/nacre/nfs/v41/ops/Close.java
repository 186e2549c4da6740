package io.nacre.nfs.v41.ops;

import io.nacre.engine.Fid;
import io.nacre.nfs.v41.CompoundContext;
import io.nacre.nfs.v41.pnfs.MetadataServerRole;
import io.nacre.nfs.v41.state.OpenState;
import io.nacre.nfs.v41.state.StateManager;
import io.nacre.nfs.v41.xdr.CloseArgs;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpRes;
import io.nacre.nfs.v41.xdr.StateidRes;
import io.nacre.nfs.v41.xdr.Stateid4;
import java.util.List;

/**
 * CLOSE. Data written through the open is committed first, so its size is the MDS's from then on
 * (close-to-open, and what S3 sees); the last close of a file removed while open removes it (a named gateway's
 * last close of any file queues its unmark on the MDS, sent a second or two later with others, which then destroys
 * it if it was removed meanwhile: {@link io.nacre.nfs.v41.UnlinkedFiles#closed}). On a pNFS
 * metadata server, the client's last close of the file ends the write layouts it was to return at close
 * ({@link MetadataServerRole#lastClose}).
 */
final class Close implements Operation {

    @Override
    public OpRes apply(CompoundContext ctx, OpArgs args) {
        Fid fid = ctx.currentFh();
        Stateid4 stateid = ctx.stateid(((CloseArgs) args).stateid());
        StateManager state = ctx.server().state();
        if (state.check(ctx.client(), fid, stateid) instanceof OpenState os && os.written()) {
            ctx.server().io().commit(fid);
        }
        StateManager.Closed closed = state.close(ctx.client(), fid, stateid);
        if (closed.lastOfClient() && ctx.server().pnfs() instanceof MetadataServerRole role) {
            role.lastClose(ctx.server(), ctx.client(), fid);
        }
        io.nacre.nfs.v41.LockWaiters.notify(ctx.server(), fid);
        if (closed.hiddenName() != null) {
            ctx.server().unlinked().release(List.of(closed.hiddenName()));
        }
        ctx.server().unlinked().closed(fid); // a named gateway's last close queues the file's unmark on the MDS
        // RFC 8881 §18.2.4: the stateid returned is meaningless; the invalid special stateid says so
        return OpRes.ok(OpNum.CLOSE, new StateidRes(Stateid4.INVALID));
    }
}
