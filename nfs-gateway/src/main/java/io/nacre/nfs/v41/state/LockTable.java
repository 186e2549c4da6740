package io.nacre.nfs.v41.state;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The byte-range locks of one file, with POSIX semantics per owner (fcntl F_SETLK): a new lock replaces
 * whatever the same owner held over its range (upgrade, downgrade, split) and merges with adjacent locks
 * of the same type; unlocking part of a range splits it. Not thread-safe: the state manager guards it.
 *
 * @param <O> the lock owner's identity
 */
final class LockTable<O> {

    /** A held lock: its owner, READ_LT or WRITE_LT, and range. */
    record Lock<O>(O owner, boolean write, ByteRange range) {
    }

    private final List<Lock<O>> locks = new ArrayList<>();

    /** The first lock of another owner that conflicts with the request, or null. */
    Lock<O> conflict(O owner, boolean write, ByteRange range) {
        for (Lock<O> l : locks) {
            if (!l.owner().equals(owner) && (write || l.write()) && l.range().overlaps(range)) {
                return l;
            }
        }
        return null;
    }

    /** Sets the owner's lock over {@code range} to the given type; the caller checked {@link #conflict}. */
    void lock(O owner, boolean write, ByteRange range) {
        unlock(owner, range);
        long start = range.start();
        long end = range.end();
        for (Iterator<Lock<O>> it = locks.iterator(); it.hasNext(); ) {
            Lock<O> l = it.next();
            if (l.owner().equals(owner) && l.write() == write && l.range().touches(new ByteRange(start, end))) {
                start = Long.compareUnsigned(l.range().start(), start) < 0 ? l.range().start() : start;
                end = Long.compareUnsigned(l.range().end(), end) > 0 ? l.range().end() : end;
                it.remove();
            }
        }
        locks.add(new Lock<>(owner, write, new ByteRange(start, end)));
    }

    /** Releases the owner's locks over {@code range}, keeping what lies outside it. */
    void unlock(O owner, ByteRange range) {
        List<Lock<O>> keep = new ArrayList<>();
        for (Iterator<Lock<O>> it = locks.iterator(); it.hasNext(); ) {
            Lock<O> l = it.next();
            if (!l.owner().equals(owner) || !l.range().overlaps(range)) {
                continue;
            }
            it.remove();
            ByteRange r = l.range();
            if (Long.compareUnsigned(r.start(), range.start()) < 0) {
                keep.add(new Lock<>(owner, l.write(), new ByteRange(r.start(), range.start())));
            }
            if (Long.compareUnsigned(range.end(), r.end()) < 0) {
                keep.add(new Lock<>(owner, l.write(), new ByteRange(range.end(), r.end())));
            }
        }
        locks.addAll(keep);
    }

    boolean holdsAny(O owner) {
        for (Lock<O> l : locks) {
            if (l.owner().equals(owner)) {
                return true;
            }
        }
        return false;
    }

    void removeOwner(O owner) {
        locks.removeIf(l -> l.owner().equals(owner));
    }

    boolean isEmpty() {
        return locks.isEmpty();
    }

    /** The owner's locks, sorted by start (for tests and diagnostics). */
    List<Lock<O>> locksOf(O owner) {
        List<Lock<O>> out = new ArrayList<>();
        for (Lock<O> l : locks) {
            if (l.owner().equals(owner)) {
                out.add(l);
            }
        }
        out.sort((a, b) -> Long.compareUnsigned(a.range().start(), b.range().start()));
        return out;
    }
}
