package io.nacre.nfs.v41.ops;

import static io.nacre.nfs.v41.xdr.Nfs4Status.*;

import io.nacre.engine.Fid;
import io.nacre.engine.meta.Access;
import io.nacre.engine.store.Durability;
import io.nacre.nfs.v41.CompoundContext;
import io.nacre.nfs.v41.NfsException;
import io.nacre.nfs.v41.attr.FsInfo;
import io.nacre.nfs.v41.state.OpenState;
import io.nacre.nfs.v41.state.State;
import io.nacre.nfs.v41.xdr.Nfs4;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpRes;
import io.nacre.nfs.v41.xdr.WriteArgs;
import io.nacre.nfs.v41.xdr.WriteRes;

/**
 * WRITE through FileIo. UNSTABLE4 writes are acknowledged unstable with the write verifier, made durable
 * by COMMIT; DATA_SYNC4 and FILE_SYNC4 are durable (data and size) before the reply, which says FILE_SYNC4.
 */
final class Write implements Operation {

    @Override
    public OpRes apply(CompoundContext ctx, OpArgs args) {
        WriteArgs a = (WriteArgs) args;
        ctx.requireWritable();
        Fid fid = ctx.currentFh();
        State st = Io.state(ctx, fid, ctx.stateid(a.stateid()));
        OpenState open = null;
        if (st == null) {
            if (ctx.server().md().access(ctx.caller(), fid, Access.WRITE) != Access.WRITE) {
                throw new NfsException(NFS4ERR_ACCESS, "write without open state");
            }
        } else {
            open = Io.openOf(st);
            if (!open.canWrite()) {
                throw new NfsException(NFS4ERR_OPENMODE, "write through an open for reading");
            }
        }
        int count = a.count();
        if (a.offset() < 0 || FsInfo.MAX_FILE_SIZE - a.offset() < count) {
            throw new NfsException(NFS4ERR_FBIG, "write beyond the largest file");
        }
        boolean stable = a.stable() != Nfs4.UNSTABLE4;
        Durability durability = stable ? Durability.STABLE : Durability.UNSTABLE;
        long verifier = ctx.server().io().write(fid, a.offset(), a.data(), durability);
        if (open != null) {
            open.markWritten();
        }
        return OpRes.ok(OpNum.WRITE, new WriteRes(count, stable ? Nfs4.FILE_SYNC4 : Nfs4.UNSTABLE4, verifier));
    }
}
