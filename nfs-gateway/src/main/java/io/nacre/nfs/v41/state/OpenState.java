package io.nacre.nfs.v41.state;

import io.nacre.engine.Fid;
import io.nacre.nfs.v41.xdr.Nfs4;
import io.nacre.nfs.v41.xdr.StateOwner4;
import java.util.ArrayList;
import java.util.List;

/** An open: one open-owner's share reservation (access and deny) on one file, and the lock states derived from it. */
public final class OpenState extends State {

    private final StateOwner4 owner;
    int access;
    int deny;
    /** Data was written through this open since the last commit: close makes the size durable. */
    volatile boolean written;
    final List<LockState> locks = new ArrayList<>();

    OpenState(int epoch, long id, NfsClient client, Fid fid, StateOwner4 owner, int access, int deny) {
        super(epoch, id, client, fid);
        this.owner = owner;
        this.access = access;
        this.deny = deny;
    }

    public StateOwner4 owner() {
        return owner;
    }

    public int access() {
        return access;
    }

    public int deny() {
        return deny;
    }

    public boolean canWrite() {
        return (access & Nfs4.OPEN4_SHARE_ACCESS_WRITE) != 0;
    }

    public void markWritten() {
        written = true;
    }

    public boolean written() {
        return written;
    }

    /** True when the two share reservations exclude each other (RFC 8881 §9.7). */
    static boolean conflicts(int access, int deny, int otherAccess, int otherDeny) {
        return (access & otherDeny) != 0 || (deny & otherAccess) != 0;
    }
}
