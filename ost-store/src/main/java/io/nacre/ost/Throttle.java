package io.nacre.ost;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Paces an OST to a fixed bandwidth: each transfer books the next slice of the OST's time and waits
 * until that slice ends, so concurrent callers share the bandwidth in arrival order. Off when 0.
 */
final class Throttle {

    private final long bytesPerSecond;
    private final AtomicLong busyUntil = new AtomicLong(Long.MIN_VALUE);

    Throttle(long bytesPerSecond) {
        this.bytesPerSecond = bytesPerSecond;
    }

    void acquire(long bytes) {
        if (bytesPerSecond == 0 || bytes <= 0) {
            return;
        }
        long cost = (long) (bytes * 1e9 / bytesPerSecond);
        long now = System.nanoTime();
        long end = busyUntil.accumulateAndGet(cost, (prev, c) -> Math.max(prev, now) + c);
        long left;
        while ((left = end - System.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
        }
    }
}
