package io.nacre.meta;

import io.nacre.engine.NacreException;
import io.nacre.engine.store.ObjectStore;
import io.nacre.engine.store.OstUsage;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OST usage as the leader sees it through its ObjectStore, kept for a short while: allocation asks for
 * every create, and free space does not move much in a second. An OST that does not answer counts as
 * unknown (it is not excluded: round-robin then treats the pool as balanced).
 */
final class UsageCache {

    private static final Logger LOG = LoggerFactory.getLogger(UsageCache.class);

    private record Timed(OstUsage usage, long at) {
    }

    private final ObjectStore store;
    private final long ttlNanos;
    private final Map<Integer, Timed> cache = new ConcurrentHashMap<>();

    UsageCache(ObjectStore store, Duration ttl) {
        this.store = store;
        this.ttlNanos = ttl.toNanos();
    }

    /** The OST's usage, or null when there is no store or it does not know or reach the OST. */
    OstUsage usage(int ost) {
        if (store == null) {
            return null;
        }
        long now = System.nanoTime();
        Timed t = cache.get(ost);
        if (t != null && now - t.at() < ttlNanos) {
            return t.usage();
        }
        OstUsage u;
        try {
            u = store.usage(ost);
        } catch (NacreException | IllegalArgumentException e) {
            LOG.debug("no usage for OST index {}: {}", ost, e.toString());
            u = null;
        }
        cache.put(ost, new Timed(u, now));
        return u;
    }

    /** Free bytes on the OST, or -1 when unknown. */
    long free(int ost) {
        OstUsage u = usage(ost);
        return u == null ? -1 : u.bytesFree();
    }
}
