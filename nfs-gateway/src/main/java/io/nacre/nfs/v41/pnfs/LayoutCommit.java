package io.nacre.nfs.v41.pnfs;

import static io.nacre.nfs.v41.xdr.Nfs4Status.NFS4ERR_INVAL;

import io.nacre.engine.Fid;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.SetAttr;
import io.nacre.nfs.v41.CompoundContext;
import io.nacre.nfs.v41.NfsException;
import io.nacre.nfs.v41.ops.Operation;
import io.nacre.nfs.v41.xdr.LayoutCommitArgs;
import io.nacre.nfs.v41.xdr.LayoutCommitRes;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpRes;
import io.nacre.nfs.v41.xdr.Stateid4;

/**
 * LAYOUTCOMMIT (RFC 8881 §18.42): what a client wrote to the data servers becomes visible on the MDS.
 * The size grows to one past the last byte written (it never shrinks here: that is a truncate) and
 * mtime moves, to the client's time if it sent one; the data version and change move as for any write.
 */
public final class LayoutCommit implements Operation {

    @Override
    public OpRes apply(CompoundContext ctx, OpArgs args) {
        LayoutCommitArgs a = (LayoutCommitArgs) args;
        MetadataServerRole role = MetadataServerRole.of(ctx);
        ctx.requireWritable();
        Fid fid = ctx.currentFh();
        Stateid4 layout = ctx.stateid(a.stateid());
        role.layouts().check(ctx.client(), fid, layout);
        Long lastWrite = a.lastWriteOffset();
        if (lastWrite == null) {
            return OpRes.ok(OpNum.LAYOUTCOMMIT, new LayoutCommitRes(null));
        }
        if (lastWrite < 0 || lastWrite == Long.MAX_VALUE) {
            throw new NfsException(NFS4ERR_INVAL, "last write offset " + Long.toUnsignedString(lastWrite));
        }
        long mtime = SetAttr.SERVER_TIME;
        if (a.timeModify() != null) {
            if (!a.timeModify().isValid()) {
                throw new NfsException(NFS4ERR_INVAL, "time_modify " + a.timeModify());
            }
            mtime = a.timeModify().toNanos();
        }
        long time = mtime;
        // with the layout held to the end: a LAYOUTRETURN side by side waits for it (see Layouts.committing)
        long[] before = new long[1];
        Attr after = role.layouts().committing(ctx.client(), fid, layout, () -> {
            before[0] = ctx.server().md().getattr(fid).size();
            return ctx.server().md().dataWritten(fid, lastWrite + 1, time);
        });
        ctx.remember(after);
        return OpRes.ok(OpNum.LAYOUTCOMMIT, new LayoutCommitRes(after.size() != before[0] ? after.size() : null));
    }
}
