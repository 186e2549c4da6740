package io.nacre.nfs.v41.state;

import java.util.HashSet;
import java.util.Set;

/**
 * The grace period after a restart (RFC 8881 §8.4.2): clients that held state before may reclaim it,
 * and nobody may take new opens or locks that could conflict. It ends after one lease time, or as soon
 * as every client of the previous instance has sent RECLAIM_COMPLETE; with none, there is no grace.
 */
final class Grace {

    private final Set<String> pending;
    private final long end;

    Grace(Set<String> previous, long end) {
        this.pending = new HashSet<>(previous);
        this.end = end;
    }

    boolean active(long now) {
        return !pending.isEmpty() && now - end < 0;
    }

    /** May this client reclaim now? Only a client of the previous instance, before its RECLAIM_COMPLETE. */
    boolean mayReclaim(String key, long now) {
        return active(now) && pending.contains(key);
    }

    void complete(String key) {
        pending.remove(key);
    }
}
