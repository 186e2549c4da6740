package io.nacre.meta;

import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.layout.ObjectRef;
import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.meta.ReferencedObjects;
import java.util.Arrays;

/**
 * LFSCK's layout view of one OST, a page at a time (MetadataService.referencedObjects): one pass over every
 * inode's layout and the destroy queue in one read transaction, keeping the smallest ids above a cursor in a
 * buffer of at most twice the page (sorted and cut back to the page whenever it fills), so a page costs a pass
 * over the namespace and memory for the page, whatever the number of files. Nothing indexes objects by OST:
 * keeping such an index would cost every layout change a write, for a scrub run now and then.
 */
final class ReferencedScan {

    private long[] ids;
    private int n;
    /** Ids above it cannot be in this page any more (the buffer was cut back to the page). */
    private long ceiling;
    /** Whether ids were dropped above the ceiling: referenced ids follow the page. */
    private boolean more;
    private final int max;
    private final int ost;
    private final long after;

    private ReferencedScan(int ost, long after, long below, int max) {
        this.ost = ost;
        this.after = after;
        this.max = max;
        this.ceiling = below - 1;
        this.ids = new long[Math.min(2 * max, 1024)];
    }

    static ReferencedObjects page(Tx tx, int ost, long after, long below, int max) {
        if (max < 1 || max > MetadataService.REFERENCED_MAX) {
            throw new NacreException(Status.INVALID, "a page of referenced objects holds 1 to "
                    + MetadataService.REFERENCED_MAX + " ids, not " + max);
        }
        if (ost < 0 || after < 0) {
            throw new NacreException(Status.INVALID, "bad OST " + ost + " or cursor " + after);
        }
        Tx.OstRecord r = tx.ost(ost);
        long allocated = r == null ? 1 : r.nextObject(); // ids start at 1
        ReferencedScan scan = new ReferencedScan(ost, after, Math.min(below, allocated), max);
        if (scan.ceiling > after) {
            tx.forEachInode(n -> {
                if (n.isRegular()) {
                    for (ObjectRef o : n.layout().objects()) {
                        scan.offer(o);
                    }
                }
                return true;
            });
            tx.forEachDestroy(d -> {
                scan.offer(d.object());
                return true;
            });
        }
        return new ReferencedObjects(allocated, scan.result(), scan.more);
    }

    private void offer(ObjectRef o) {
        if (o.ost() != ost || o.id() <= after) {
            return;
        }
        if (o.id() > ceiling) {
            return; // past the caller's bound, or past a cut (which set more)
        }
        if (n == ids.length) {
            if (n < 2 * max) {
                ids = Arrays.copyOf(ids, Math.min(2 * max, 2 * n));
            } else {
                cut();
            }
        }
        ids[n++] = o.id();
    }

    /** Sorts the buffer, drops duplicates, and keeps the page's worth of the smallest ids. */
    private void cut() {
        Arrays.sort(ids, 0, n);
        int w = 0;
        for (int i = 0; i < n; i++) {
            if (w == 0 || ids[i] != ids[w - 1]) {
                ids[w++] = ids[i];
            }
        }
        n = w;
        if (n > max) {
            n = max;
            ceiling = ids[max - 1];
            more = true;
        }
    }

    private long[] result() {
        cut();
        return Arrays.copyOf(ids, n);
    }
}
