package io.nacre.nfs.v41;

import io.nacre.engine.Fid;
import io.nacre.nfs.v41.cb.BackChannel;
import io.nacre.nfs.v41.state.StateManager;
import io.nacre.nfs.v41.xdr.CbNotifyLockArgs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CB_NOTIFY_LOCK: a client denied a blocking lock (fcntl F_SETLKW, flock without LOCK_NB) polls for it;
 * told that locks on the file were released, it asks again at once instead of at its next poll.
 */
public final class LockWaiters {

    private static final Logger LOG = LoggerFactory.getLogger(LockWaiters.class);

    private LockWaiters() {
    }

    /** Tells the waiters of {@code fid}, without waiting for their answers. */
    public static void notify(ServerContext server, Fid fid) {
        StateManager state = server.state();
        for (StateManager.Waiter w : state.takeWaiters(fid)) {
            BackChannel bc = state.backChannel(w.client());
            if (bc == null) {
                continue; // it polls
            }
            bc.call(new CbNotifyLockArgs(server.handles().encode(fid), w.lockOwner())).whenComplete((r, e) -> {
                if (e != null) {
                    LOG.debug("CB_NOTIFY_LOCK to {} failed: {}", w.client(), e.toString());
                }
            });
        }
    }
}
