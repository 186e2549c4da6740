package io.nacre.nfs.v41.state;

import io.nacre.engine.Fid;
import io.nacre.nfs.v41.xdr.StateOwner4;

/** A lock-owner's locks on one file; the locks themselves are in the file's lock table. */
public final class LockState extends State {

    private final StateOwner4 owner;
    final OpenState open;

    LockState(int epoch, long id, NfsClient client, Fid fid, StateOwner4 owner, OpenState open) {
        super(epoch, id, client, fid);
        this.owner = owner;
        this.open = open;
    }

    public StateOwner4 owner() {
        return owner;
    }

    /** The open this lock state was derived from. */
    public OpenState open() {
        return open;
    }
}
