package io.nacre.nfs.v41.state;

import java.util.HashSet;
import java.util.Set;

/**
 * The grace period after a restart (RFC 8881 §8.4.2): clients that held state before may reclaim it,
 * and nobody may take new opens or locks that could conflict. It lasts from the start until a set time
 * after the server began to listen, or until every client of the previous instance has sent
 * RECLAIM_COMPLETE; with none, there is no grace.
 */
final class Grace {

    private final Set<String> pending;
    private boolean ending;
    private long end;

    Grace(Set<String> previous) {
        this.pending = new HashSet<>(previous);
    }

    /** The server listens: the grace period ends at {@code endsAt} at the latest. */
    void endAt(long endsAt) {
        ending = true;
        end = endsAt;
    }

    boolean active(long now) {
        return !pending.isEmpty() && (!ending || now - end < 0);
    }

    /** May this client reclaim now? Only a client of the previous instance, before its RECLAIM_COMPLETE. */
    boolean mayReclaim(String key, long now) {
        return active(now) && pending.contains(key);
    }

    void complete(String key) {
        pending.remove(key);
    }
}
