package io.nacre.meta;

import io.nacre.engine.NacreException;
import io.nacre.engine.fault.Faults;
import io.nacre.engine.store.ObjectStore;
import io.nacre.engine.store.OstUsage;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OST usage as the leader sees it through its ObjectStore, for allocation (asked at every create that
 * stripes) and statfs. An OST's usage is asked once, the first time it is wanted; after that a value older
 * than the time to live is still answered, and a fresh one asked in the background (one call per OST in
 * flight at most), as Lustre's MDS allocates from the OSTs' statfs it keeps refreshing: free space does not
 * move much in a second, and a create must not wait for round trips to the OSS nodes (with remote OSTs that
 * was one call per OST, in a row, in every create more than the time to live after the last). An OST that
 * does not answer counts as unknown (it is not excluded: round-robin then treats the pool as balanced).
 */
final class UsageCache {

    private static final Logger LOG = LoggerFactory.getLogger(UsageCache.class);
    /** Fault point: hit before each call that asks an OST's usage (sleep: an OSS slow to answer). */
    static final String FAULT_ASK = "mds.ost.usage";

    private record Timed(OstUsage usage, long at) {
    }

    private final ObjectStore store;
    private final long ttlNanos;
    private final Map<Integer, Timed> cache = new ConcurrentHashMap<>();
    private final Set<Integer> refreshing = ConcurrentHashMap.newKeySet();

    UsageCache(ObjectStore store, Duration ttl) {
        this.store = store;
        this.ttlNanos = ttl.toNanos();
    }

    /**
     * The OST's usage, or null when there is no store or it does not know or reach the OST. Waits only the
     * first time; later the value last asked, refreshed in the background once older than the time to live.
     */
    OstUsage usage(int ost) {
        if (store == null) {
            return null;
        }
        Timed t = cache.get(ost);
        if (t == null) {
            return ask(ost);
        }
        if (System.nanoTime() - t.at() >= ttlNanos && refreshing.add(ost)) {
            Thread.ofVirtual().name("ost-usage-" + ost).start(() -> {
                try {
                    ask(ost);
                } finally {
                    refreshing.remove(ost);
                }
            });
        }
        return t.usage();
    }

    /** Asks the store and keeps the answer (null when it fails) with the time it was asked. */
    private OstUsage ask(int ost) {
        long at = System.nanoTime();
        OstUsage u;
        try {
            Faults.hit(FAULT_ASK);
            u = store.usage(ost);
        } catch (NacreException | IllegalArgumentException | IllegalStateException e) {
            LOG.debug("no usage for OST index {}: {}", ost, e.toString());
            u = null;
        }
        cache.put(ost, new Timed(u, at));
        return u;
    }

    /** Free bytes on the OST, or -1 when unknown. */
    long free(int ost) {
        OstUsage u = usage(ost);
        return u == null ? -1 : u.bytesFree();
    }
}
