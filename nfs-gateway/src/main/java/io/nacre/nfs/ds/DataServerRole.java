package io.nacre.nfs.ds;

import io.nacre.engine.store.ObjectStore;
import io.nacre.nfs.v41.CompoundContext;
import io.nacre.nfs.v41.NfsException;
import io.nacre.nfs.v41.pnfs.DsHandle;
import io.nacre.nfs.v41.pnfs.DsHandles;
import io.nacre.nfs.v41.pnfs.LayoutFence;
import io.nacre.nfs.v41.pnfs.PnfsRole;
import io.nacre.nfs.v41.xdr.Nfs4;
import io.nacre.nfs.v41.xdr.Nfs4Status;
import java.util.concurrent.atomic.LongAdder;

/** The pNFS data-server role: the objects this node reaches and the check of the MDS's signed filehandles. */
final class DataServerRole implements PnfsRole {

    private final ObjectStore objects;
    private final DsHandles handles;
    private final LayoutFence fence;
    final LongAdder reads = new LongAdder();
    final LongAdder readBytes = new LongAdder();
    final LongAdder writes = new LongAdder();
    final LongAdder writeBytes = new LongAdder();
    final LongAdder commits = new LongAdder();

    DataServerRole(ObjectStore objects, DsHandles handles, LayoutFence fence) {
        this.objects = objects;
        this.handles = handles;
        this.fence = fence;
    }

    @Override
    public int exchangeIdFlags() {
        return Nfs4.EXCHGID4_FLAG_USE_PNFS_DS;
    }

    DataServer.Stats stats() {
        return new DataServer.Stats(reads.sum(), readBytes.sum(), writes.sum(), writeBytes.sum(), commits.sum());
    }

    ObjectStore objects() {
        return objects;
    }

    DsHandles handles() {
        return handles;
    }

    /**
     * The object a data-server handle names: NFS4ERR_BADHANDLE when forged or altered, and
     * NFS4ERR_PNFS_NO_LAYOUT when its layout was revoked (the client then gets a new one, or uses the MDS),
     * NFS4ERR_DELAY while this server cannot tell (its metadata server has not confirmed the revocations lately).
     */
    DsHandle object(byte[] fh) {
        DsHandle h = handles.decode(fh);
        if (!fence.isCurrent()) {
            throw new NfsException(Nfs4Status.NFS4ERR_DELAY, "revocations not confirmed by the metadata server lately");
        }
        if (fence.isRevoked(h.grant())) {
            throw new NfsException(Nfs4Status.NFS4ERR_PNFS_NO_LAYOUT, "the layout of " + h.fid() + " was revoked");
        }
        return h;
    }

    static DataServerRole of(CompoundContext ctx) {
        if (ctx.server().pnfs() instanceof DataServerRole r) {
            return r;
        }
        throw new NfsException(Nfs4Status.NFS4ERR_SERVERFAULT, "not a data server");
    }
}
