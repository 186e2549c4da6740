package io.nacre.engine.io;

import io.nacre.engine.Fid;
import java.util.Iterator;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The space_used the OSTs last answered for a file, kept for the inode's change attribute it was asked at:
 * while the change attribute has not moved, the file's objects hold what they held then, and a GETATTR needs
 * no round trip to every OST of the file (Linux asks space_used in every GETATTR: every stat, OPEN and CLOSE).
 *
 * <p>What moves a file's objects without moving its change attribute at once is kept out by the callers:
 * unstable writes not yet recorded at the MDS ({@link FileIo} does not keep nor answer while it holds some),
 * punches performed after the size change that ordered them ({@link #forget} after each), and writes of
 * others straight to the objects under a pNFS write layout (the metadata server does not ask to keep while
 * one is out, and forgets the file when it grants one). An answer is kept only when nothing was forgotten
 * while it was being asked ({@link #ticket}), so a forget that races an ask is never undone by it. What no
 * caller here can see (writes of another gateway not committed yet, a punch retried by the MDS's destroyer)
 * is bounded by {@link #MAX_AGE_NANOS}.
 */
final class KeptSpaceUsed {

    /** Entries kept at most; past it an arbitrary eighth is dropped. */
    static final int MAX_ENTRIES = 65_536;
    /** An answer older than this is asked again whatever the change attribute says. */
    static final long MAX_AGE_NANOS = 600L * 1_000_000_000L;

    private record Entry(long change, long used, long atNanos) {
    }

    private final Map<Fid, Entry> kept = new ConcurrentHashMap<>();
    /** Moves at every {@link #forget}: an ask that saw it move does not keep its answer. */
    private final AtomicLong forgets = new AtomicLong();

    /** The kept answer for the file at this change attribute, if any and not too old. */
    OptionalLong get(Fid fid, long change) {
        Entry e = kept.get(fid);
        if (e == null || e.change != change || System.nanoTime() - e.atNanos > MAX_AGE_NANOS) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(e.used);
    }

    /** Taken before asking the OSTs; given back to {@link #keep}. */
    long ticket() {
        return forgets.get();
    }

    /** Keeps an answer asked at {@code change}, unless some file was forgotten since {@code ticket}. */
    void keep(Fid fid, long change, long used, long ticket, long askedAtNanos) {
        // compute: ordered with forget's compute on the same file, so a forget after the check drops this entry
        kept.compute(fid, (k, old) -> forgets.get() == ticket ? new Entry(change, used, askedAtNanos) : old);
        if (kept.size() > MAX_ENTRIES) {
            trim();
        }
    }

    /** Drops what is kept for the file, and makes every ask under way not keep its answer. */
    void forget(Fid fid) {
        kept.compute(fid, (k, old) -> {
            forgets.incrementAndGet();
            return null;
        });
    }

    private void trim() {
        int drop = kept.size() / 8;
        Iterator<Fid> it = kept.keySet().iterator();
        while (drop-- > 0 && it.hasNext()) {
            it.next();
            it.remove();
        }
    }
}
