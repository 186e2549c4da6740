package io.nacre.s3.copytool;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A bandwidth limit shared by every transfer of a copytool: each chunk books its slot in time and the
 * caller sleeps until then (a pacing delay, not a wait for a condition). 0 means no limit.
 */
final class Bandwidth {

    private final long bytesPerSecond;
    private long next = System.nanoTime();

    Bandwidth(long bytesPerSecond) {
        this.bytesPerSecond = bytesPerSecond;
    }

    void take(long bytes) {
        if (bytesPerSecond <= 0 || bytes <= 0) {
            return;
        }
        long at;
        synchronized (this) {
            long now = System.nanoTime();
            at = Math.max(next, now);
            next = at + TimeUnit.SECONDS.toNanos(1) * bytes / bytesPerSecond;
        }
        long wait = at - System.nanoTime();
        if (wait > 0) {
            LockSupport.parkNanos(wait);
        }
    }
}
