package io.nacre.nfs.v41.pnfs;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongConsumer;

/**
 * Layouts the metadata server revoked, as data servers must know them (RFC 8881 §12.5.5: after a
 * revocation, I/O with the old layout must fail): every data-server handle carries the grant (the
 * layout state) it was made for, and a data server refuses handles of revoked grants with
 * NFS4ERR_PNFS_NO_LAYOUT, on which clients drop the layout and go back to the MDS. Revocations are
 * rare (a client that did not return a recalled layout in time), so they are kept for the life of the
 * server. Shared by reference between the metadata server and the data servers of one process; data
 * servers in other processes hear of revocations through {@link #onRevoke} listeners (the OSS protocol).
 */
public final class LayoutFence {

    private final Set<Long> revoked = ConcurrentHashMap.newKeySet();
    private final List<LongConsumer> listeners = new CopyOnWriteArrayList<>();

    /** Refuses the grant from now on; returns once every listener has passed it on (they may throw). */
    public void revoke(long grant) {
        revoked.add(grant);
        for (LongConsumer l : listeners) {
            l.accept(grant);
        }
    }

    public boolean isRevoked(long grant) {
        return revoked.contains(grant);
    }

    /** Every grant revoked so far (for a data server that joins later). */
    public Set<Long> revoked() {
        return Set.copyOf(revoked);
    }

    /** Called with each grant {@link #revoke}d from now on, in the revoking thread. */
    public void onRevoke(LongConsumer listener) {
        listeners.add(requireNonNull(listener, "listener"));
    }
}
