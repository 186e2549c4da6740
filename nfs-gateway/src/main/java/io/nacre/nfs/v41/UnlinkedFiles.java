package io.nacre.nfs.v41;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.io.OpenFiles;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.DirEntry;
import io.nacre.engine.meta.DirPage;
import io.nacre.engine.meta.HiddenDirectory;
import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.meta.Opener;
import io.nacre.engine.meta.Results.DirChange;
import io.nacre.engine.meta.Results.Removed;
import io.nacre.engine.meta.Results.Renamed;
import io.nacre.nfs.v41.state.StateManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Files removed while open stay readable by their openers, as POSIX has it.
 *
 * <p>A named gateway (a cluster node's, {@link #opener} set) has the MDS keep them, as Lustre's MDT does: it marks
 * each file open there at its first open and unmarks it {@link #HOLD} after its last close, with the other unmarks
 * due then in one change ({@link MetadataService#markOpen}); the
 * MDS keeps a marked file whose last name goes, however it goes (a REMOVE here or through another node's gateway,
 * an S3 DELETE, {@code nacre rm}), in {@link io.nacre.engine.Fid#PENDING}, and destroys it at its last unmark. After a
 * restart, once the grace period is over, the marks the previous instance left are dropped.
 *
 * <p>The unnamed gateway ({@code nacre up}'s only one) keeps them itself: instead of unlinking the last name of an
 * open file, REMOVE (and RENAME over it, and the other gateways of the process through {@link OpenFiles}) moves it
 * into a directory under the MDS's hidden directory, and the last CLOSE (or the opener's lease expiring) removes
 * it there. Entries left by a crash are removed once the grace period after the restart is over.
 */
public final class UnlinkedFiles implements OpenFiles {

    private static final Logger LOG = LoggerFactory.getLogger(UnlinkedFiles.class);
    static final String DIR_NAME = "nfs-unlinked";
    private static final String PREFIX = "nfs-";
    /** A named gateway's directory in {@link #DIR_NAME}: not {@link #PREFIX}, which the unnamed one removes. */
    static final String GATEWAY_PREFIX = "gateway-";

    private final MetadataService md;
    private final StateManager state;
    private final Fid dir;
    /** A named gateway's mark on the MDS (this instance's); null for the unnamed one, which keeps files itself. */
    private final Opener opener;
    /**
     * How long a named gateway keeps a file's mark after its last close here, at least; rounds of the flusher a
     * hold apart unmark what was closed a hold before, so a mark goes between one and two holds after the close,
     * with every other closed in the same round's second, in one change. An open of the file meanwhile needs no
     * change (a mark costs one Raft entry, ~800 us of the MDS's CPU, and tools open a file again within moments:
     * make, cp -p, editors, a stat then an open). What it costs: a file removed while open (or after its close,
     * within the hold) is destroyed, its objects queued, one to two seconds after its last close rather than at
     * it; one second is short next to anything that waits for the space, and long next to the gaps between one
     * tool's opens of a file.
     */
    static final Duration HOLD = Duration.ofSeconds(1);
    /**
     * Files this instance's mark is on at the MDS (as far as answered changes say), each with a stamp drawn
     * when it was marked, so that an unmark answered later can tell a mark noted meanwhile ({@link #unmarked}).
     */
    private final Map<Fid, Long> marked = new ConcurrentHashMap<>();
    private final AtomicLong stamps = new AtomicLong();
    /** Files marked here whose last open here ended, with the time ({@link System#nanoTime}) it did. */
    private final Map<Fid, Long> closedAt = new ConcurrentHashMap<>();
    private final AtomicBoolean flushScheduled = new AtomicBoolean();
    /** Unmark changes answered so far ({@link #markedAtCreate}). */
    private final AtomicLong unmarksAnswered = new AtomicLong();
    /** Runs the unmarks that fell due (the NFS service's reaper threads), and marks a create's file again. */
    private final ScheduledExecutorService flusher;
    /**
     * Order the marking of a file with its unmarking here (a fixed set chosen by the Fid's hash, as FileIo's
     * FidLocks): a mark holds its file's lock across the MDS's change, and an unmark the locks of all the files of
     * its change (taken in index order), so the MDS sees them in the order they were decided.
     */
    private final ReentrantLock[] markLocks = new ReentrantLock[64];
    private static final BiConsumer<Fid, Runnable> DIRECT = (fid, remove) -> remove.run();
    /**
     * Runs the removal of a hidden file (its objects go with it) for the file: at once, or, on a pNFS metadata
     * server, once the file's layouts are recalled ({@link #removeThrough}).
     */
    private volatile BiConsumer<Fid, Runnable> removal = DIRECT;

    UnlinkedFiles(MetadataService md, StateManager state, Fid dir, Opener opener, ScheduledExecutorService flusher) {
        this.md = md;
        this.flusher = flusher;
        this.state = state;
        this.dir = dir;
        this.opener = opener;
        for (int i = 0; i < markLocks.length; i++) {
            markLocks[i] = new ReentrantLock();
        }
    }

    /** The mark a create that opens its file carries ({@link io.nacre.engine.meta.CreateSpec#openedBy}), or null. */
    public Opener opener() {
        return opener;
    }

    /** Whether the MDS keeps this gateway's files removed while open (a named gateway). */
    public boolean marksOnMds() {
        return opener != null;
    }

    /**
     * The directory of a gateway, made on first start: sticky and writable by everyone (as /tmp), so that
     * moving a file there needs exactly the permissions that removing it needs. A gateway with no name (the
     * only one of its file system: {@code nacre up}) keeps its files in {@code HIDDEN/nfs-unlinked} itself; a
     * named one (a cluster node's) in {@code HIDDEN/nfs-unlinked/gateway-<name>}.
     */
    static Fid directory(MetadataService md, String gateway) {
        Fid top = HiddenDirectory.of(md, DIR_NAME, 01777);
        return gateway == null ? top : HiddenDirectory.of(md, top, GATEWAY_PREFIX + gateway, 01777);
    }

    static String nameOf(Fid fid) {
        return PREFIX + fid.toHex();
    }

    /**
     * REMOVE of {@code name} in {@code parent}: unlinks it, or hides it when it is the open last name of a file
     * (then the file's attributes are as before, its link kept, and nothing is destroyed).
     */
    public Removed remove(Caller caller, Fid parent, String name) {
        if (marksOnMds()) {
            return md.remove(caller, parent, name, MetadataService.RemoveKind.ANY); // the MDS keeps what is open
        }
        Attr open = openLastLink(caller, parent, name);
        if (open != null) {
            return new Removed(open, hide(caller, parent, name, open.fid()).from(), List.of());
        }
        return md.remove(caller, parent, name, MetadataService.RemoveKind.ANY);
    }

    /**
     * Has every removal of a hidden file run through {@code gate} (the file, and the removal to run when its
     * objects may go): the pNFS metadata server recalls the file's layouts first.
     */
    void removeThrough(BiConsumer<Fid, Runnable> gate) {
        removal = gate;
    }

    /**
     * Hides {@code name} in {@code parent} when it is the open last name of a file: for REMOVE and before a
     * RENAME onto it here, and for the other gateways' removes and replaces through {@link io.nacre.engine.io.FileIo}.
     */
    @Override
    public DirChange keepIfOpen(Caller caller, Fid parent, String name) {
        if (marksOnMds()) {
            return null; // the MDS keeps a marked file whose last name goes
        }
        Attr target = openLastLink(caller, parent, name);
        return target == null ? null : hide(caller, parent, name, target.fid()).from();
    }

    /**
     * Whether a remove here may have to keep the file it removes: false (the common case, learnt at no cost)
     * while no file is open, and {@link #remove} is then exactly the MDS's remove.
     */
    public boolean mayKeep() {
        return !marksOnMds() && state.anyOpen();
    }

    // ---- open marks on the MDS (a named gateway) --------------------------------------------------------

    /**
     * The number of unmark changes this gateway has seen answered, for a create that is to mark the file it opens
     * ({@link #markedAtCreate}): read before the create is sent.
     */
    public long unmarksAnswered() {
        return unmarksAnswered.get();
    }

    /**
     * A file whose create marked it open by this gateway ({@link #opener} in the create's spec), before its open
     * state is taken: no change to wait for, so this may run on the thread the MDS completed the create on.
     * {@code ticket} is {@link #unmarksAnswered} before the create was sent: when an unmark was answered since and
     * the create found the file (a new file was never unmarked), the MDS may have applied this create's mark
     * before that unmark, which then dropped it; the file is marked again, on the flusher's thread. An unmark
     * still under way is the unmarking thread's to repair ({@link #unmarkDue}).
     */
    public void markedAtCreate(Fid fid, boolean found, long ticket) {
        if (!marksOnMds()) {
            return;
        }
        marked.put(fid, stamps.incrementAndGet());
        closedAt.remove(fid);
        if (found && unmarksAnswered.get() != ticket) {
            try {
                flusher.execute(() -> markAgain(fid));
            } catch (RejectedExecutionException e) {
                LOG.debug("{}: not marked again, the gateway is stopping", fid);
            }
        }
    }

    /**
     * An open of {@code fid} was taken here (not by a create that marked it): a first open marks it on the MDS
     * before the OPEN is answered, so that a remove anywhere keeps it; a file closed here within {@link #HOLD}
     * still has its mark and costs nothing. May wait for the MDS; never on a thread that must not block.
     */
    public void opened(Fid fid) {
        if (marksOnMds()) {
            closedAt.remove(fid);
            settle(fid); // takes the file's lock even when marked: an unmark of it may be under way
        }
    }

    /**
     * A CLOSE (or another end of opens) of {@code fid}: after its last one here, the mark is kept for {@link #HOLD}
     * and then dropped with the other unmarks that fell due, in one change ({@link #unmarkDue}); the MDS destroys
     * the file then if it was removed meanwhile. Never waits: a CLOSE may run on the RPC selector.
     */
    public void closed(Fid fid) {
        if (marksOnMds() && marked.containsKey(fid) && !state.isOpen(fid)) {
            closedAt.put(fid, System.nanoTime());
            scheduleFlush();
        }
    }

    /** The first round after an idle spell: two holds, so that it takes the whole first second's closes. */
    private void scheduleFlush() {
        scheduleFlush(2 * HOLD.toNanos());
    }

    private void scheduleFlush(long delayNanos) {
        if (flushScheduled.compareAndSet(false, true)) {
            try {
                flusher.schedule(this::flush, delayNanos, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                flushScheduled.set(false); // stopping: close() flushes what is left
            }
        }
    }

    /** The flusher's round: the unmarks due, then another round while some wait. */
    private void flush() {
        flushScheduled.set(false);
        try {
            unmarkDue(System.nanoTime() - HOLD.toNanos());
        } catch (RuntimeException e) {
            LOG.warn("open marks of closed files: {} (tried again at the next round)", e.toString());
        }
        if (!closedAt.isEmpty()) {
            scheduleFlush(HOLD.toNanos());
        }
    }

    /** Drops the marks of every file closed here and not opened again, at once (the gateway stops). */
    void flushUnmarks() {
        if (marksOnMds()) {
            unmarkDue(Long.MAX_VALUE);
        }
    }

    /**
     * Unmarks the files closed here at or before {@code cutoff} ({@link System#nanoTime}, or MAX_VALUE for every
     * one) and not opened since, in one change, under their locks (taken in order), so that a mark decided
     * meanwhile (an OPEN here waits for the lock) goes to the MDS after the unmark. A create that found one of
     * them and marked it in its own change may have reached the MDS before the unmark: when its mark is noted
     * while the unmark is under way, the file is marked again here. A file with no name left whose layouts
     * are out (pNFS) is unmarked on its own once they are recalled ({@link #removeThrough}).
     */
    private void unmarkDue(long cutoff) {
        List<Fid> due = new ArrayList<>();
        closedAt.forEach((f, t) -> {
            if (cutoff == Long.MAX_VALUE || t - cutoff <= 0) {
                due.add(f);
            }
        });
        if (due.isEmpty()) {
            return;
        }
        SortedSet<Integer> stripes = new TreeSet<>();
        for (Fid f : due) {
            stripes.add(stripe(f));
        }
        List<ReentrantLock> held = new ArrayList<>();
        try {
            for (int i : stripes) {
                markLocks[i].lock();
                held.add(markLocks[i]);
            }
            Map<Fid, Long> batch = new LinkedHashMap<>();
            Map<Fid, Long> closes = new HashMap<>();
            for (Fid f : due) {
                Long t = closedAt.remove(f);
                Long stamp = marked.get(f);
                if (t == null || stamp == null || state.isOpen(f)) {
                    continue; // opened again (its next last close queues it anew), or not marked
                }
                if (removal != DIRECT && unlinkedHere(f)) {
                    removal.accept(f, () -> unmarkRecalled(f));
                    continue;
                }
                batch.put(f, stamp);
                closes.put(f, t);
            }
            if (batch.isEmpty()) {
                return;
            }
            long went;
            try {
                went = md.unmarkOpen(opener.gateway(), batch.keySet());
            } catch (RuntimeException e) {
                // perhaps applied all the same: a create's mark noted meanwhile may have gone with it
                unmarksAnswered.incrementAndGet();
                batch.forEach((f, stamp) -> {
                    if (!stamp.equals(marked.get(f))) {
                        markAgainLocked(f);
                    }
                });
                closes.forEach(closedAt::putIfAbsent); // due again at the next round (an unmark may be repeated)
                throw e;
            }
            unmarksAnswered.incrementAndGet();
            LOG.debug("unmarked {} closed file(s) in one change; {} removed while open went", batch.size(), went);
            batch.forEach(this::unmarked);
        } finally {
            for (ReentrantLock l : held) {
                l.unlock();
            }
        }
    }

    /** The unmark of a file removed while open, once its layouts are recalled: on its own, if still closed. */
    private void unmarkRecalled(Fid fid) {
        ReentrantLock l = markLocks[stripe(fid)];
        l.lock();
        try {
            Long stamp = marked.get(fid);
            if (stamp == null || state.isOpen(fid)) {
                return;
            }
            if (md.unmarkOpen(opener.gateway(), fid)) {
                LOG.debug("{}: last close of a file removed while open: destroyed", fid);
            }
            unmarksAnswered.incrementAndGet();
            unmarked(fid, stamp);
        } catch (NacreException e) {
            LOG.warn("{}: its open mark on the MDS: {} (tried again at the next round)", fid, e.toString());
        } finally {
            l.unlock();
        }
    }

    /**
     * After the MDS answered the unmark of {@code fid} (its lock held): forgotten, unless a create noted its mark
     * meanwhile ({@code stamp} changed), which may have reached the MDS first: then marked again.
     */
    private void unmarked(Fid fid, long stamp) {
        if (!marked.remove(fid, stamp)) {
            markOnMds(fid);
        }
    }

    /** A mark a create made may have been dropped by an unmark answered after the create was sent: made again. */
    private void markAgain(Fid fid) {
        ReentrantLock l = markLocks[stripe(fid)];
        l.lock();
        try {
            if (marked.containsKey(fid)) {
                markAgainLocked(fid);
            }
        } finally {
            l.unlock();
        }
    }

    /** {@link #markAgain} with the file's lock held. */
    private void markAgainLocked(Fid fid) {
        try {
            markOnMds(fid);
            if (!state.isOpen(fid)) {
                closed(fid); // its open ended (or never came): unmarked after the hold, as any
            }
        } catch (NacreException e) {
            LOG.warn("{}: its open mark on the MDS: {} (made at the next round)", fid, e.toString());
            marked.remove(fid); // the reaper's round marks it if it is open
        }
    }

    /**
     * Marks {@code fid} on the MDS if some client has it open here and it is not marked: under the file's lock,
     * so that it is ordered with its unmarks. An open that ended while the MDS answered queues its unmark.
     */
    private void settle(Fid fid) {
        ReentrantLock l = markLocks[stripe(fid)];
        l.lock();
        try {
            if (!state.isOpen(fid) || marked.containsKey(fid)) {
                return;
            }
            markOnMds(fid);
        } finally {
            l.unlock();
        }
        closed(fid);
    }

    /** Marks the file on the MDS (its lock held) and notes it marked; a file gone meanwhile is taken as marked. */
    private void markOnMds(Fid fid) {
        try {
            md.markOpen(opener, fid);
        } catch (NacreException e) {
            if (e.status() != Status.STALE) {
                throw e;
            }
            // gone before it was marked (removed by a change the open raced with): nothing to hold; taken as
            // marked, so that it is not asked again (its unmark after the last close does nothing)
            LOG.debug("{}: opened here but gone at the MDS", fid);
        }
        marked.put(fid, stamps.incrementAndGet());
    }

    private int stripe(Fid fid) {
        return Math.floorMod(fid.hashCode(), markLocks.length);
    }

    /** Whether the file has no name left (it goes with the last mark), as far as the MDS says now. */
    private boolean unlinkedHere(Fid fid) {
        try {
            return md.getattr(fid).nlink() == 0;
        } catch (NacreException e) {
            if (e.status() == Status.STALE) {
                return false;
            }
            throw e;
        }
    }

    /**
     * The reaper's round over every file marked here or open here: the opens that went with a client (lease
     * expiry, DESTROY_CLIENTID, a client's restart) queue their files' unmarks, and a mark a race left out is
     * made. A file that fails is tried again at the next round.
     */
    public void settleAll() {
        if (!marksOnMds()) {
            return;
        }
        Set<Fid> files = new HashSet<>(marked.keySet());
        files.addAll(state.openFiles());
        for (Fid f : files) {
            try {
                if (state.isOpen(f)) {
                    settle(f);
                } else if (!closedAt.containsKey(f)) {
                    closed(f);
                }
            } catch (NacreException e) {
                LOG.warn("{}: its open mark on the MDS: {}", f, e.toString());
            }
        }
    }

    private Attr openLastLink(Caller caller, Fid parent, String name) {
        if (!mayKeep()) {
            return null; // the common case costs nothing
        }
        Attr a;
        try {
            a = md.lookup(caller, parent, name);
        } catch (NacreException e) {
            return null; // the remove itself reports the error
        }
        return a.isRegular() && a.nlink() == 1 && state.isOpen(a.fid()) ? a : null;
    }

    private Renamed hide(Caller caller, Fid parent, String name, Fid fid) {
        String hidden = nameOf(fid);
        Renamed r = md.rename(caller, parent, name, dir, hidden);
        LOG.debug("{} removed while open: kept as {}", fid, hidden);
        if (!state.hide(fid, hidden)) {
            release(List.of(hidden)); // closed in the meantime
        }
        return r;
    }

    /**
     * After a restart, a client reclaiming the open of a file that had been removed while open: the file
     * lives in the hidden directory; remember it so that its last close removes it.
     */
    public void readopt(Fid fid) {
        String hidden = nameOf(fid);
        try {
            if (md.lookup(Caller.ROOT, dir, hidden).fid().equals(fid)) {
                state.hide(fid, hidden);
            }
        } catch (NacreException e) {
            if (e.status() != Status.NOT_FOUND) {
                throw e;
            }
        }
    }

    /**
     * Removes hidden files whose last open went; with pNFS layouts of one out, once they are recalled (then
     * after this returns: see {@link #removeThrough}).
     */
    public void release(List<String> hiddenNames) {
        for (String n : hiddenNames) {
            Fid fid = fidOf(n);
            if (fid == null) {
                removeHidden(n);
            } else {
                removal.accept(fid, () -> removeHidden(n));
            }
        }
    }

    /** The file a hidden name stands for ({@link #nameOf}), or null for a name not made here. */
    private static Fid fidOf(String hiddenName) {
        try {
            return hiddenName.startsWith(PREFIX) ? Fid.fromHex(hiddenName.substring(PREFIX.length())) : null;
        } catch (NacreException e) {
            return null;
        }
    }

    private void removeHidden(String n) {
        try {
            md.remove(Caller.ROOT, dir, n, MetadataService.RemoveKind.FILE);
        } catch (NacreException e) {
            if (e.status() != Status.NOT_FOUND) {
                LOG.warn("could not remove the unlinked file {}: {}", n, e.toString());
            }
        }
    }

    /**
     * After a restart's grace period: removes what no open holds any more (a crash left it). A named gateway
     * drops the marks its previous instances left on the MDS (the files its clients reclaimed are marked by this
     * one), which destroys the files removed while open that no other gateway holds; and what an instance from
     * before there were marks left in its directory.
     */
    void removeOrphans() {
        if (marksOnMds()) {
            long dropped = md.dropOpenMarks(opener.gateway(), opener.instance());
            if (dropped > 0) {
                LOG.info("dropped {} open mark(s) of the previous instance", dropped);
            }
        }
        Set<String> held = new HashSet<>(state.hiddenNames());
        long cookie = 0;
        int removed = 0;
        while (true) {
            DirPage page = md.readdir(Caller.ROOT, dir, cookie, 256);
            for (DirEntry e : page.entries()) {
                cookie = e.cookie();
                if (e.name().startsWith(PREFIX) && !held.contains(e.name())) {
                    release(List.of(e.name()));
                    removed++;
                }
            }
            if (page.eof() || page.entries().isEmpty()) {
                break;
            }
        }
        if (removed > 0) {
            LOG.info("removed {} file(s) unlinked while open before the restart", removed);
        }
    }
}
