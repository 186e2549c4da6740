package io.nacre.nfs.v41.ops;

import io.nacre.nfs.v41.CompoundContext;
import io.nacre.nfs.v41.state.StateManager;
import io.nacre.nfs.v41.xdr.LockArgs;
import io.nacre.nfs.v41.xdr.Nfs4Status;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpRes;
import io.nacre.nfs.v41.xdr.StateidRes;

/** LOCK: a byte-range lock (fcntl and flock both arrive as these); NFS4ERR_DENIED names the holder. */
final class Lock implements Operation {

    @Override
    public OpRes apply(CompoundContext ctx, OpArgs args) {
        LockArgs a = (LockArgs) args;
        if (a.newOwner() != null) {
            a = new LockArgs(a.locktype(), a.reclaim(), a.offset(), a.length(), new LockArgs.OpenToLockOwner(
                    a.newOwner().openSeqid(), ctx.stateid(a.newOwner().openStateid()), a.newOwner().lockSeqid(),
                    a.newOwner().lockOwner()), null);
        } else {
            a = new LockArgs(a.locktype(), a.reclaim(), a.offset(), a.length(), null,
                    new LockArgs.ExistLockOwner(ctx.stateid(a.existing().lockStateid()), a.existing().lockSeqid()));
        }
        StateManager.LockOutcome r = ctx.server().state().lock(ctx.client(), ctx.currentFh(), a);
        if (r.denied() != null) {
            return new OpRes(OpNum.LOCK, Nfs4Status.NFS4ERR_DENIED, r.denied());
        }
        ctx.currentStateid(r.stateid());
        return OpRes.ok(OpNum.LOCK, new StateidRes(r.stateid()));
    }
}
