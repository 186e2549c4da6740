package io.nacre.nfs.v41.state;

import io.nacre.engine.Fid;
import io.nacre.nfs.v41.xdr.Stateid4;

/** Something a stateid names: an open or a lock-owner's locks on one file. Guarded by the state manager's lock. */
public abstract sealed class State permits OpenState, LockState {

    private final int epoch;
    private final long id;
    private final NfsClient client;
    private final Fid fid;
    int seqid = 1;
    boolean freed;

    State(int epoch, long id, NfsClient client, Fid fid) {
        this.epoch = epoch;
        this.id = id;
        this.client = client;
        this.fid = fid;
    }

    long id() {
        return id;
    }

    public NfsClient client() {
        return client;
    }

    public Fid fid() {
        return fid;
    }

    /** The stateid at its current seqid. */
    public Stateid4 stateid() {
        return new Stateid4(seqid, epoch, id);
    }

    /** Moves the seqid on, as every change of the state does (0 is skipped: it means "current"). */
    Stateid4 bump() {
        seqid = seqid == -1 ? 1 : seqid + 1;
        return stateid();
    }
}
