package io.nacre.nfs.ds;

import io.nacre.engine.store.ObjectStore;
import io.nacre.nfs.v41.CompoundContext;
import io.nacre.nfs.v41.NfsException;
import io.nacre.nfs.v41.pnfs.DsHandles;
import io.nacre.nfs.v41.pnfs.PnfsRole;
import io.nacre.nfs.v41.xdr.Nfs4;
import io.nacre.nfs.v41.xdr.Nfs4Status;

/** The pNFS data-server role: the objects this node reaches and the check of the MDS's signed filehandles. */
final class DataServerRole implements PnfsRole {

    private final ObjectStore objects;
    private final DsHandles handles;

    DataServerRole(ObjectStore objects, DsHandles handles) {
        this.objects = objects;
        this.handles = handles;
    }

    @Override
    public int exchangeIdFlags() {
        return Nfs4.EXCHGID4_FLAG_USE_PNFS_DS;
    }

    ObjectStore objects() {
        return objects;
    }

    DsHandles handles() {
        return handles;
    }

    static DataServerRole of(CompoundContext ctx) {
        if (ctx.server().pnfs() instanceof DataServerRole r) {
            return r;
        }
        throw new NfsException(Nfs4Status.NFS4ERR_SERVERFAULT, "not a data server");
    }
}
