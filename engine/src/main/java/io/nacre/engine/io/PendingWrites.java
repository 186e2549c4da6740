package io.nacre.engine.io;

import io.nacre.engine.Fid;
import io.nacre.engine.layout.ObjectRef;
import io.nacre.engine.meta.Attr;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What unstable writes left to do, per file: the objects to sync at the next commit, and the size and
 * mtime not yet recorded at the MDS (shown by getattr meanwhile). No I/O here; every change to a file's
 * entry is one atomic map operation.
 */
final class PendingWrites {

    /** A file's outstanding work at one moment; {@code end} is -1 when its size is recorded. */
    record Snapshot(Fid fid, long end, long mtime, Map<ObjectRef, Long> dirty) {
        boolean hasSize() {
            return end >= 0;
        }
    }

    private static final class Entry {
        long end = -1;
        long mtime;
        /** Object -> sequence number of its last unstable write. */
        final Map<ObjectRef, Long> dirty = new HashMap<>();

        boolean isEmpty() {
            return end < 0 && dirty.isEmpty();
        }
    }

    private final Map<Fid, Entry> files = new ConcurrentHashMap<>();
    /** One sequence for all files, so an entry removed and made again never reuses a number. */
    private final AtomicLong seq = new AtomicLong();

    /** Notes unstable writes to {@code objects} that made the file's data reach {@code end} at {@code mtime}. */
    void wrote(Fid fid, Collection<ObjectRef> objects, long end, long mtime) {
        files.compute(fid, (k, e) -> {
            Entry x = e == null ? new Entry() : e;
            long n = seq.incrementAndGet();
            for (ObjectRef o : objects) {
                x.dirty.put(o, n);
            }
            x.end = Math.max(x.end, end);
            x.mtime = Math.max(x.mtime, mtime);
            return x;
        });
    }

    /** The file's outstanding work, or null when there is none. */
    Snapshot snapshot(Fid fid) {
        Snapshot[] out = new Snapshot[1];
        files.computeIfPresent(fid, (k, e) -> {
            out[0] = new Snapshot(fid, e.end, e.mtime, Map.copyOf(e.dirty));
            return e;
        });
        return out[0];
    }

    /** Whether the file has outstanding work ({@link #snapshot} non-null), without copying it: entries go when empty. */
    boolean has(Fid fid) {
        return files.containsKey(fid);
    }

    /** Every file with a size not yet recorded at the MDS. */
    List<Fid> withUnrecordedSize() {
        List<Fid> out = new ArrayList<>();
        files.forEach((fid, e) -> {
            // A racy read of a long is fine here: the caller snapshots the file before acting on it.
            if (e.end >= 0) {
                out.add(fid);
            }
        });
        return out;
    }

    /** Every file with anything outstanding. */
    List<Fid> files() {
        return new ArrayList<>(files.keySet());
    }

    /**
     * The snapshot's work is done: its objects synced (those not written again since) and, when
     * {@code sizeRecorded}, its size and mtime recorded at the MDS.
     */
    void done(Snapshot s, boolean synced, boolean sizeRecorded) {
        files.computeIfPresent(s.fid(), (k, e) -> {
            if (synced) {
                s.dirty().forEach((o, n) -> e.dirty.remove(o, n));
            }
            if (sizeRecorded && e.end <= s.end()) {
                e.end = -1;
            }
            return e.isEmpty() ? null : e;
        });
    }

    /** Drops everything outstanding for a file (it no longer exists). */
    void forget(Fid fid) {
        files.remove(fid);
    }

    /** The MDS's attributes with the file's unrecorded size and mtime merged in. */
    Attr merge(Attr a) {
        Snapshot s = snapshot(a.fid());
        if (s == null || !s.hasSize()) {
            return a;
        }
        long size = Math.max(a.size(), s.end());
        long mtime = Math.max(a.mtime(), s.mtime());
        long ctime = Math.max(a.ctime(), s.mtime());
        if (size == a.size() && mtime == a.mtime() && ctime == a.ctime()) {
            return a;
        }
        return new Attr(a.fid(), a.type(), a.mode(), a.nlink(), a.uid(), a.gid(), size, a.spaceUsed(),
                a.rdevMajor(), a.rdevMinor(), a.atime(), mtime, ctime, a.btime(), a.change(), a.dataVersion(),
                a.hsm());
    }
}
