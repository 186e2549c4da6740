package io.nacre.nfs.v41.ops;

import io.nacre.engine.Fid;
import io.nacre.nfs.v41.CompoundContext;
import io.nacre.nfs.v41.state.LockState;
import io.nacre.nfs.v41.state.OpenState;
import io.nacre.nfs.v41.state.State;
import io.nacre.nfs.v41.xdr.Stateid4;

/** The stateid rules shared by READ, WRITE and SETATTR (RFC 8881 §8.2.3). */
final class Io {

    private Io() {
    }

    /**
     * The open or lock state a stateid names for this file, or null for the anonymous and bypass
     * stateids (I/O without open state, with the caller's permissions checked by the MDS instead).
     */
    static State state(CompoundContext ctx, Fid fid, Stateid4 stateid) {
        if (stateid.isAnonymous() || stateid.isBypass()) {
            return null;
        }
        return ctx.server().state().check(ctx.client(), fid, stateid);
    }

    static OpenState openOf(State st) {
        return st instanceof LockState ls ? ls.open() : (OpenState) st;
    }
}
