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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The pNFS data-server role: the objects this node reaches and the check of the MDS's signed filehandles. */
final class DataServerRole implements PnfsRole {

    private static final Logger LOG = LoggerFactory.getLogger(DataServer.class);

    private final ObjectStore objects;
    private final DsHandles handles;
    private final LayoutFence fence;
    final LongAdder reads = new LongAdder();
    final LongAdder readBytes = new LongAdder();
    final LongAdder writes = new LongAdder();
    final LongAdder writeBytes = new LongAdder();
    final LongAdder commits = new LongAdder();
    /** Requests answered NFS4ERR_DELAY because the metadata server had not confirmed the revocations lately. */
    final LongAdder delayed = new LongAdder();
    /** Set while the fence is not current, so that a lapse is logged once, not per request. */
    private final AtomicBoolean lapsed = new AtomicBoolean();

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
        return new DataServer.Stats(reads.sum(), readBytes.sum(), writes.sum(), writeBytes.sum(), commits.sum(),
                delayed.sum());
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
            // Linux waits 15 s after each NFS4ERR_DELAY of a data server: a lapse costs clients that much
            delayed.increment();
            if (lapsed.compareAndSet(false, true)) {
                LOG.warn("revocations not confirmed by the metadata server lately: answering NFS4ERR_DELAY until it does");
            }
            throw new NfsException(Nfs4Status.NFS4ERR_DELAY, "revocations not confirmed by the metadata server lately");
        }
        if (lapsed.compareAndSet(true, false)) {
            LOG.info("revocations confirmed again: serving (requests delayed so far: {})", delayed.sum());
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
