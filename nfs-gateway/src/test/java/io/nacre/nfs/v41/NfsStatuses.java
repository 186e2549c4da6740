package io.nacre.nfs.v41;

import io.nacre.nfs.v41.xdr.Nfs4Status;

/** For tests: the nfsstat4 an action ends with (NFS4_OK, or the status of the {@link NfsException} it threw). */
public final class NfsStatuses {

    private NfsStatuses() {
    }

    public static int of(Runnable action) {
        try {
            action.run();
            return Nfs4Status.NFS4_OK;
        } catch (NfsException e) {
            return e.status();
        }
    }
}
