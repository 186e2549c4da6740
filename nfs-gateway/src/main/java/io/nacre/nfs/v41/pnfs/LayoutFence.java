package io.nacre.nfs.v41.pnfs;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Layouts the metadata server revoked, as data servers must know them (RFC 8881 §12.5.5: after a
 * revocation, I/O with the old layout must fail): every data-server handle carries the grant (the
 * layout state) it was made for, and a data server refuses handles of revoked grants with
 * NFS4ERR_PNFS_NO_LAYOUT, on which clients drop the layout and go back to the MDS. Revocations are
 * rare (a client that did not return a recalled layout in time), so they are kept for the life of the
 * server. Shared by reference between the metadata server and the data servers of one process.
 */
public final class LayoutFence {

    private final Set<Long> revoked = ConcurrentHashMap.newKeySet();

    public void revoke(long grant) {
        revoked.add(grant);
    }

    public boolean isRevoked(long grant) {
        return revoked.contains(grant);
    }
}
