package io.nacre.ost;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Paces an OST to a fixed bandwidth: each transfer books the next slice of the OST's time and waits
 * until that slice ends, so concurrent callers share the bandwidth in arrival order. Off when 0.
 * A transfer that finds the OST's time unbooked (its bandwidth went unused since the last slice ended) is
 * logged at debug with the gap: what tells a client that keeps too little in flight from a slow OST.
 */
final class Throttle {

    private static final Logger LOG = LoggerFactory.getLogger(Throttle.class);
    /** Gaps shorter than this are not logged (a transfer's own arrival jitter). */
    private static final long LOGGED_GAP_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final String name;
    private final long bytesPerSecond;
    private final AtomicLong busyUntil = new AtomicLong(Long.MIN_VALUE);

    Throttle(String name, long bytesPerSecond) {
        this.name = name;
        this.bytesPerSecond = bytesPerSecond;
    }

    void acquire(long bytes) {
        if (bytesPerSecond == 0 || bytes <= 0) {
            return;
        }
        long cost = (long) (bytes * 1e9 / bytesPerSecond);
        long now = System.nanoTime();
        long before = busyUntil.getAndAccumulate(cost, (prev, c) -> Math.max(prev, now) + c);
        long end = Math.max(before, now) + cost;
        if (before != Long.MIN_VALUE && now - before >= LOGGED_GAP_NANOS && LOG.isDebugEnabled()) {
            LOG.debug("{}: idle for {} ms before a transfer of {} bytes", name,
                    TimeUnit.NANOSECONDS.toMillis(now - before), bytes);
        }
        long left;
        while ((left = end - System.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
        }
    }
}
