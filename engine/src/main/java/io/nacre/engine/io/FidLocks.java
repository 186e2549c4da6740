package io.nacre.engine.io;

import io.nacre.engine.Fid;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Orders truncates (and their punches) against reads and writes of the same file: I/O takes the read
 * side, truncate and queued punches the write side. A fixed set of JDK locks, chosen by the Fid's hash,
 * so nothing is allocated or removed per file; unrelated files rarely share one, and then only wait.
 * No caller holds two of them at once.
 */
final class FidLocks {

    private final ReadWriteLock[] locks;

    FidLocks(int count) {
        locks = new ReadWriteLock[count];
        for (int i = 0; i < count; i++) {
            locks[i] = new ReentrantReadWriteLock();
        }
    }

    ReadWriteLock of(Fid fid) {
        return locks[Math.floorMod(fid.hashCode(), locks.length)];
    }
}
