package io.nacre.engine.io;

import io.nacre.engine.Fid;
import io.nacre.engine.layout.Layout;
import io.nacre.engine.meta.Attr;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The layouts FileIo last used, so that a READ or WRITE does not ask the MDS for a layout it already has.
 * Every layout change on the MDS bumps the file's change attribute, so an entry is good while the file's
 * change is the one it was checked against: a read checks it against the attributes it fetches anyway; a
 * write takes the entry as it is (a write asks for the attributes right after, Linux's WRITE compounds
 * do), and its entry is checked at the next {@link #seen}. Released and empty layouts are never kept
 * (a restore or the first write replaces them), and of two layouts of a file the newer generation
 * wins, so a slow fetch cannot put back a layout that an instantiation replaced. Truncate and release
 * in this process drop the file's entry themselves.
 */
final class LayoutCache {

    /** The change of an entry not checked yet, and what a write asks with (any entry will do). */
    static final long ANY_CHANGE = Long.MIN_VALUE;
    private static final int MAX_FILES = 4096;

    private record Entry(long change, Layout layout) {
    }

    private final Map<Fid, Entry> entries = new ConcurrentHashMap<>();

    /** The file's layout if known and good at {@code change} (any change: {@link #ANY_CHANGE}), else null. */
    Layout get(Fid fid, long change) {
        Entry e = entries.get(fid);
        if (e == null) {
            return null;
        }
        if (change == ANY_CHANGE || e.change() == change) {
            return e.layout();
        }
        if (e.change() == ANY_CHANGE) {
            // fetched just before attributes at this change: adopt it
            entries.replace(fid, e, new Entry(change, e.layout()));
            return e.layout();
        }
        entries.remove(fid, e);
        return null;
    }

    /** Keeps a layout just fetched (at {@code change}, or {@link #ANY_CHANGE}); returns it. */
    Layout put(Fid fid, long change, Layout layout) {
        if (layout.isEmpty() || layout.isReleased()) {
            entries.remove(fid);
            return layout;
        }
        if (entries.size() >= MAX_FILES) {
            entries.clear();
        }
        entries.merge(fid, new Entry(change, layout), (old, now) -> {
            if (old.layout().generation() > now.layout().generation()) {
                return old;
            }
            if (old.layout().generation() == now.layout().generation() && now.change() == ANY_CHANGE) {
                return old;
            }
            return now;
        });
        return layout;
    }

    /** Attributes fetched from the MDS: an entry checked at another change is out of date. */
    void seen(Attr a) {
        get(a.fid(), a.change());
    }

    /** Attributes of this process's own size update (no layout change): its entry stays good at their change. */
    void wrote(Attr a) {
        entries.computeIfPresent(a.fid(), (fid, e) -> new Entry(a.change(), e.layout()));
    }

    void forget(Fid fid) {
        entries.remove(fid);
    }
}
