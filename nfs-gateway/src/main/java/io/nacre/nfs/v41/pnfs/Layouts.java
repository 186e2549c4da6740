package io.nacre.nfs.v41.pnfs;

import static io.nacre.nfs.v41.xdr.Nfs4Status.*;

import io.nacre.engine.Fid;
import io.nacre.nfs.v41.NfsException;
import io.nacre.nfs.v41.state.NfsClient;
import io.nacre.nfs.v41.xdr.Nfs4;
import io.nacre.nfs.v41.xdr.Stateid4;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Layout state (RFC 8881 §12.5): per client and file, the layout stateid and the byte ranges held, and
 * the files whose layouts are being recalled (no new layout is granted on them meanwhile). Layout
 * stateids carry the server's epoch like every other stateid, and an id with {@link #LAYOUT_ID_BIT}
 * set, so they are never taken for open or lock stateids.
 */
public final class Layouts {

    /** Set in the id of every layout stateid; open and lock stateids count up from 0 and never reach it. */
    static final long LAYOUT_ID_BIT = 1L << 62;
    /** NFS4_UINT64_MAX as a length: to the end of the file. */
    static final long TO_EOF = -1L;

    /** A byte range held with an I/O mode; length {@link #TO_EOF} reaches the end of the file. */
    record Segment(int iomode, long offset, long length) {
        long end() {
            return length == TO_EOF || offset + length < offset ? Long.MAX_VALUE : offset + length;
        }

        boolean coveredBy(int mode, long from, long len) {
            Segment r = new Segment(mode, from, len);
            return (mode == Nfs4.LAYOUTIOMODE4_ANY || mode == iomode) && from <= offset && r.end() >= end();
        }
    }

    /** One client's layouts of one file. Guarded by the table's lock. */
    static final class LayoutState {
        final NfsClient client;
        final Fid fid;
        final long id;
        int seqid;
        final List<Segment> segments = new ArrayList<>();
        /** Completes when the client has returned everything (or the server revoked it). */
        final CompletableFuture<Void> gone = new CompletableFuture<>();
        /**
         * Held across a LAYOUTCOMMIT and across the end of a write layout (return, revocation): Linux sends
         * the LAYOUTCOMMIT and LAYOUTRETURN of a recall side by side, and a commit must not land after the
         * return let the recalling operation go on (it would move mtime after an explicit SETATTR of it).
         */
        final ReentrantLock commit = new ReentrantLock();

        LayoutState(NfsClient client, Fid fid, long id) {
            this.client = client;
            this.fid = fid;
            this.id = id;
        }
    }

    private final int epoch;
    private final Predicate<NfsClient> alive;
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicLong ids;
    private final Map<Long, LayoutState> byId = new HashMap<>();
    private final Map<Fid, Set<LayoutState>> byFile = new HashMap<>();
    private final Map<Fid, Integer> recalling = new HashMap<>();
    /** Layout states revoked and not yet freed by their client (FREE_STATEID), by id. */
    private final Map<Long, Revoked> revoked = new HashMap<>();

    /**
     * A layout revoked because its client did not return it when recalled. {@code told} is set once a
     * SEQUENCE reply carrying SEQ4_STATUS_RECALLABLE_STATE_REVOKED has provably reached the client: it sent
     * the next request on a slot whose last reply carried the bit ({@code notices}: the sequence id of
     * that reply, by session and slot).
     */
    private static final class Revoked {
        final NfsClient client;
        final Map<Notice, Integer> notices = new HashMap<>();
        boolean told;

        Revoked(NfsClient client) {
            this.client = client;
        }
    }

    /** A slot of a session. */
    private record Notice(Object session, int slot) {
    }

    /**
     * @param epoch the server instance, as in every stateid it hands out
     * @param alive whether a client still exists (expired and destroyed clients lose their layouts)
     */
    public Layouts(int epoch, Predicate<NfsClient> alive) {
        this.epoch = epoch;
        this.alive = alive;
        // The id is also the grant data servers are fenced by, and they outlive a restart of this server:
        // ids of another instance must not meet them, so the epoch is in the id's high bits.
        this.ids = new AtomicLong((epoch & 0x3FFF_FFFFL) << 32);
    }

    /** True when the stateid is a layout stateid (of this or an earlier instance). */
    public static boolean isLayoutStateid(Stateid4 s) {
        return !s.isSpecial() && (s.id() & LAYOUT_ID_BIT) != 0;
    }

    private Stateid4 stateid(LayoutState st) {
        return new Stateid4(st.seqid, epoch, st.id);
    }

    private static int next(int seqid) {
        return seqid == -1 ? 1 : seqid + 1;
    }

    /**
     * LAYOUTGET: records the segment and returns the layout stateid with its seqid moved on. The first
     * LAYOUTGET of a client on a file names an open, lock or delegation stateid (the caller checked it);
     * later ones name the layout stateid. NFS4ERR_RECALLCONFLICT while the file's layouts are recalled.
     */
    public Stateid4 grant(NfsClient c, Fid fid, Stateid4 given, int iomode, long offset, long length) {
        lock.lock();
        try {
            if (recalling.containsKey(fid)) {
                throw new NfsException(NFS4ERR_RECALLCONFLICT, "layouts of " + fid + " are being recalled");
            }
            LayoutState st;
            if (isLayoutStateid(given)) {
                st = checkLocked(c, fid, given);
            } else {
                st = find(c, fid);
                if (st == null) {
                    st = new LayoutState(c, fid, LAYOUT_ID_BIT | ids.incrementAndGet());
                    byId.put(st.id, st);
                    byFile.computeIfAbsent(fid, k -> new LinkedHashSet<>()).add(st);
                }
            }
            st.segments.add(new Segment(iomode, offset, length));
            st.seqid = next(st.seqid);
            return stateid(st);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Whether a layout of this I/O mode is granted with logr_return_on_close (RFC 8881 §18.43.3): write
     * layouts are. While a write layout is out, every GETATTR of the file asks the OSTs for its size (the
     * glimpse) and a truncate, unlink or explicit mtime first recalls it; Linux would keep it after close
     * for as long as it caches the file. Linux honours the flag: at the close of the last open that could
     * write (pnfs_roc) it commits the layout, then returns the write layouts in the CLOSE compound
     * (SEQUENCE, PUTFH, LAYOUTRETURN, GETATTR, CLOSE). Read layouts cost nothing here and stay cached.
     */
    static boolean returnOnClose(int iomode) {
        return iomode == Nfs4.LAYOUTIOMODE4_RW;
    }

    /**
     * At the client's last CLOSE of a file: its layout state of the file when it still holds a segment it
     * was told to return at close (it did not: a client that ignores the flag, or a LAYOUTGET that raced the
     * CLOSE), else null. The caller ends it as {@link #revoke} does.
     */
    Recalled unreturnedAtClose(NfsClient c, Fid fid) {
        lock.lock();
        try {
            LayoutState st = find(c, fid);
            if (st == null || st.segments.stream().noneMatch(seg -> returnOnClose(seg.iomode))) {
                return null;
            }
            return new Recalled(st.client, stateid(st), st.gone, st, false);
        } finally {
            lock.unlock();
        }
    }

    /** The layout state a layout stateid names for this client and file, or NFS4ERR_BAD_STATEID / OLD_STATEID. */
    public void check(NfsClient c, Fid fid, Stateid4 s) {
        checked(c, fid, s);
    }

    private LayoutState checked(NfsClient c, Fid fid, Stateid4 s) {
        lock.lock();
        try {
            return checkLocked(c, fid, s);
        } finally {
            lock.unlock();
        }
    }

    private LayoutState checkLocked(NfsClient c, Fid fid, Stateid4 s) {
        if (!isLayoutStateid(s) || s.epoch() != epoch) {
            throw new NfsException(NFS4ERR_BAD_STATEID, s + " is not a layout stateid of this server");
        }
        LayoutState st = byId.get(s.id());
        if (st == null || st.client != c || !st.fid.equals(fid)) {
            throw new NfsException(NFS4ERR_BAD_STATEID, "no layout " + s + " of " + c + " on " + fid);
        }
        // a layout stateid may lag behind (LAYOUTGETs in parallel); one from the future is bad (§12.5.3)
        if (s.seqid() != 0 && Integer.compareUnsigned(s.seqid(), st.seqid) > 0) {
            throw new NfsException(NFS4ERR_BAD_STATEID, s + " is newer than the layout's seqid " + st.seqid);
        }
        return st;
    }

    private LayoutState find(NfsClient c, Fid fid) {
        for (LayoutState st : byFile.getOrDefault(fid, Set.of())) {
            if (st.client == c) {
                return st;
            }
        }
        return null;
    }

    /**
     * LAYOUTCOMMIT: runs {@code work} while the layout the stateid names is held and cannot end (see
     * {@link LayoutState#commit}); NFS4ERR_BAD_STATEID when it is not held.
     */
    public <T> T committing(NfsClient c, Fid fid, Stateid4 s, Supplier<T> work) {
        LayoutState st = checked(c, fid, s);
        st.commit.lock();
        try {
            checked(c, fid, s); // not returned while this waited
            return work.get();
        } finally {
            st.commit.unlock();
        }
    }

    /** {@link #returnRange(NfsClient, Fid, Stateid4, int, long, long, Consumer)} with nothing to settle. */
    public Stateid4 returnRange(NfsClient c, Fid fid, Stateid4 s, int iomode, long offset, long length) {
        return returnRange(c, fid, s, iomode, offset, length, f -> {
        });
    }

    /**
     * LAYOUTRETURN of a file's range: drops the segments the range covers; returns the layout stateid
     * when some remain, or null when the client holds nothing more of the file (the state is gone). When
     * write segments go, {@code settle} runs first with the file (no LAYOUTCOMMIT may come for what was
     * written through them), under the state's commit lock.
     */
    public Stateid4 returnRange(NfsClient c, Fid fid, Stateid4 s, int iomode, long offset, long length,
                                Consumer<Fid> settle) {
        LayoutState st = checked(c, fid, s);
        st.commit.lock();
        try {
            boolean writes;
            lock.lock();
            try {
                writes = checkLocked(c, fid, s).segments.stream()
                        .anyMatch(seg -> seg.iomode == Nfs4.LAYOUTIOMODE4_RW && seg.coveredBy(iomode, offset, length));
            } finally {
                lock.unlock();
            }
            if (writes) {
                settle.accept(fid);
            }
            lock.lock();
            try {
                checkLocked(c, fid, s);
                st.segments.removeIf(seg -> seg.coveredBy(iomode, offset, length));
                st.seqid = next(st.seqid);
                if (st.segments.isEmpty()) {
                    removeLocked(st);
                    return null;
                }
                return stateid(st);
            } finally {
                lock.unlock();
            }
        } finally {
            st.commit.unlock();
        }
    }

    /**
     * LAYOUTRETURN4_ALL / _FSID (one file system per server): every layout of the client goes, each write
     * layout after {@code settle} ran with its file.
     */
    public void returnAll(NfsClient c, Consumer<Fid> settle) {
        List<LayoutState> mine = new ArrayList<>();
        lock.lock();
        try {
            for (LayoutState st : byId.values()) {
                if (st.client == c) {
                    mine.add(st);
                }
            }
            revoked.values().removeIf(r -> r.client == c);
        } finally {
            lock.unlock();
        }
        for (LayoutState st : mine) {
            end(st, false, settle);
        }
    }

    /** Whether the state holds a write segment. */
    private boolean writesLocked(LayoutState st) {
        return st.segments.stream().anyMatch(seg -> seg.iomode == Nfs4.LAYOUTIOMODE4_RW);
    }

    /**
     * Ends a layout state that is still held: settles its file first when it held write segments, then
     * drops it (revoked, when {@code notReturned}: TEST_STATEID says so until the client frees it).
     */
    private void end(LayoutState st, boolean notReturned, Consumer<Fid> settle) {
        st.commit.lock();
        try {
            boolean writes;
            lock.lock();
            try {
                if (byId.get(st.id) != st) {
                    return;
                }
                writes = writesLocked(st);
            } finally {
                lock.unlock();
            }
            if (writes) {
                settle.accept(st.fid);
            }
            lock.lock();
            try {
                if (byId.get(st.id) == st) {
                    removeLocked(st);
                    if (notReturned) {
                        // clients gone since (expired, destroyed) will never free theirs
                        revoked.values().removeIf(r -> !alive.test(r.client));
                        revoked.put(st.id, new Revoked(st.client));
                    }
                }
            } finally {
                lock.unlock();
            }
        } finally {
            st.commit.unlock();
        }
    }

    private void removeLocked(LayoutState st) {
        byId.remove(st.id);
        Set<LayoutState> onFile = byFile.get(st.fid);
        if (onFile != null) {
            onFile.remove(st);
            if (onFile.isEmpty()) {
                byFile.remove(st.fid);
            }
        }
        st.gone.complete(null);
    }

    /** True when some client holds a layout of the file. */
    public boolean held(Fid fid) {
        lock.lock();
        try {
            return byFile.containsKey(fid);
        } finally {
            lock.unlock();
        }
    }

    /**
     * True when some client holds a write (LAYOUTIOMODE4_RW) layout of the file: it may have written to the
     * data servers what no LAYOUTCOMMIT has brought to the MDS yet.
     */
    public boolean writeHeld(Fid fid) {
        lock.lock();
        try {
            for (LayoutState st : byFile.getOrDefault(fid, Set.of())) {
                for (Segment seg : st.segments) {
                    if (seg.iomode == Nfs4.LAYOUTIOMODE4_RW) {
                        return true;
                    }
                }
            }
            return false;
        } finally {
            lock.unlock();
        }
    }

    /** True when no client holds any layout (hooks skip their lookups then). */
    public boolean isEmpty() {
        lock.lock();
        try {
            return byId.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    /**
     * What a recall sends: the client, the stateid with its seqid moved on (§12.5.3), and the wait for its
     * return; {@code expired} when the client no longer exists (its lease ran out, it was destroyed): nobody
     * will return that layout, so the recall ends it at once, fenced like a revoked one.
     */
    record Recalled(NfsClient client, Stateid4 stateid, CompletableFuture<Void> gone, LayoutState state,
                    boolean expired) {
    }

    /**
     * Begins a recall of every layout of the file: no layout is granted on it until {@link #endRecall}.
     * Holds of one file may nest (a recall out, and each operation that goes on once it is done).
     */
    List<Recalled> beginRecall(Fid fid) {
        lock.lock();
        try {
            recalling.merge(fid, 1, Integer::sum);
            List<Recalled> out = new ArrayList<>();
            for (LayoutState st : byFile.getOrDefault(fid, Set.of())) {
                boolean expired = !alive.test(st.client);
                if (!expired) {
                    st.seqid = next(st.seqid);
                }
                out.add(new Recalled(st.client, stateid(st), st.gone, st, expired));
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    void endRecall(Fid fid) {
        lock.lock();
        try {
            recalling.computeIfPresent(fid, (k, n) -> n == 1 ? null : n - 1);
        } finally {
            lock.unlock();
        }
    }

    /**
     * TEST_STATEID of a layout stateid (RFC 8881 §18.48): NFS4_OK for a layout the client holds,
     * NFS4ERR_DELEG_REVOKED for one the server revoked (§15.1.5.3: recallable state, delegation or layout,
     * not returned when recalled), NFS4ERR_OLD_STATEID for an earlier seqid, NFS4ERR_BAD_STATEID otherwise.
     */
    public int test(NfsClient c, Stateid4 s) {
        lock.lock();
        try {
            if (!isLayoutStateid(s) || s.epoch() != epoch) {
                return NFS4ERR_BAD_STATEID;
            }
            Revoked r = revoked.get(s.id());
            if (r != null && r.client == c) {
                return NFS4ERR_DELEG_REVOKED;
            }
            LayoutState st = byId.get(s.id());
            if (st == null || st.client != c || Integer.compareUnsigned(s.seqid(), st.seqid) > 0) {
                return NFS4ERR_BAD_STATEID;
            }
            return s.seqid() == 0 || s.seqid() == st.seqid ? NFS4_OK : NFS4ERR_OLD_STATEID;
        } finally {
            lock.unlock();
        }
    }

    /** FREE_STATEID of a revoked layout stateid: the client has seen the revocation. False when it names none. */
    public boolean free(NfsClient c, Stateid4 s) {
        lock.lock();
        try {
            if (!isLayoutStateid(s) || s.epoch() != epoch) {
                return false;
            }
            Revoked r = revoked.get(s.id());
            return r != null && r.client == c && revoked.remove(s.id()) != null;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Drops a layout state without its return: the client said it holds nothing, or it did not return in
     * time ({@code notReturned}: then TEST_STATEID says so until the client frees the stateid).
     */
    void revoke(LayoutState st, boolean notReturned, Consumer<Fid> settle) {
        end(st, notReturned, settle);
    }

    /**
     * The SEQ4_STATUS_RECALLABLE_STATE_REVOKED bit for a new request of client {@code c} on slot
     * {@code slot} of {@code session} with sequence id {@code seqid} (RFC 8881 §18.46.3), or 0.
     *
     * <p>The RFC keeps the bit up until the client has freed every revoked stateid. Linux
     * (nfs41_handle_recallable_state_revoked) answers each reply carrying it by dropping every layout it
     * holds and testing only its delegations; it never tests or frees layout stateids. Raised until
     * FREE_STATEID, the bit would switch pNFS off for that client for good (knfsd met the same loop with
     * delegations and now forgets long-revoked ones). So a revocation raises the bit until the client has
     * provably received a reply carrying it (it reused that reply's slot), or freed the stateid, whichever
     * comes first: every client hears of it, Linux drops its layouts once, and TEST_STATEID keeps answering
     * NFS4ERR_DELEG_REVOKED for the stateid until FREE_STATEID.
     */
    public int sequenceFlags(NfsClient c, Object session, int slot, int seqid) {
        lock.lock();
        try {
            if (revoked.isEmpty()) {
                return 0;
            }
            boolean untold = false;
            for (Revoked r : revoked.values()) {
                if (r.client != c || r.told) {
                    continue;
                }
                Integer noticed = r.notices.put(new Notice(session, slot), seqid);
                if (noticed != null && noticed + 1 == seqid) {
                    r.told = true;
                    r.notices.clear();
                    continue;
                }
                untold = true;
            }
            return untold ? Nfs4.SEQ4_STATUS_RECALLABLE_STATE_REVOKED : 0;
        } finally {
            lock.unlock();
        }
    }
}
