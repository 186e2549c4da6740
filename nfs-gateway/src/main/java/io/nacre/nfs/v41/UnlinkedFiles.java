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
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Files removed while open stay readable by their openers, as POSIX has it.
 *
 * <p>A named gateway (a cluster node's, {@link #opener} set) has the MDS keep them, as Lustre's MDT does: it marks
 * each file open there at its first open and unmarks it at its last close ({@link MetadataService#markOpen}); the
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
    /** Files this instance's mark is on at the MDS (as far as answered changes say); see {@link #settle}. */
    private final Set<Fid> marked = ConcurrentHashMap.newKeySet();
    /**
     * Order the marking of a file with its unmarking here (a fixed set chosen by the Fid's hash, as FileIo's
     * FidLocks): a settle holds its file's lock across the MDS's change, so the MDS sees them in the order they
     * were decided.
     */
    private final ReentrantLock[] markLocks = new ReentrantLock[64];
    private static final BiConsumer<Fid, Runnable> DIRECT = (fid, remove) -> remove.run();
    /**
     * Runs the removal of a hidden file (its objects go with it) for the file: at once, or, on a pNFS metadata
     * server, once the file's layouts are recalled ({@link #removeThrough}).
     */
    private volatile BiConsumer<Fid, Runnable> removal = DIRECT;

    UnlinkedFiles(MetadataService md, StateManager state, Fid dir, Opener opener) {
        this.md = md;
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
     * A file whose create marked it open by this gateway ({@link #opener} in the create's spec), before its open
     * state is taken: no change to wait for, so this may run on the thread the MDS completed the create on. A
     * settle of the file under way meanwhile sees the open and marks it again after its unmark if need be.
     */
    public void markedAtCreate(Fid fid) {
        if (marksOnMds()) {
            marked.add(fid);
        }
    }

    /**
     * An open of {@code fid} was taken here (not by a create that marked it): a first open marks it on the MDS
     * before the OPEN is answered, so that a remove anywhere keeps it. May wait for the MDS; never on a
     * thread that must not block.
     */
    public void opened(Fid fid) {
        if (marksOnMds()) {
            settle(fid, false);
        }
    }

    /** A CLOSE (or another end of opens) of {@code fid}: its last one here unmarks it, which may destroy it. */
    public void closed(Fid fid) {
        // Nothing to do while the file is still open here (whoever opened it marks it) or not marked: then the
        // file's lock is not even taken (a CLOSE that is not the last may run on the RPC selector). A settle under
        // way looks at the opens again after its change.
        if (marksOnMds() && marked.contains(fid) && !state.isOpen(fid)) {
            settle(fid, false);
        }
    }

    /** Whether a CLOSE of {@code fid} may change its mark (it is the last open here): it then waits for the MDS. */
    public boolean closeMayUnmark(Fid fid) {
        return marksOnMds() && state.atMostOneOpen(fid);
    }

    /**
     * Brings the MDS's mark of {@code fid} in line with the opens here: marked while some client has it open,
     * unmarked once none has. Under the file's lock, and again after each change until nothing is left to do:
     * the opens may change while the MDS answers (an OPEN that created the file and marked it in its change
     * takes no lock: it cannot wait on the thread that completes it). An unmark that would destroy the file
     * (it has no name left) first recalls the layouts of it that are out (pNFS: {@link #removeThrough}), and is
     * then made, after the recall, on the thread that ends it.
     */
    private void settle(Fid fid, boolean recalled) {
        ReentrantLock l = markLocks[Math.floorMod(fid.hashCode(), markLocks.length)];
        l.lock();
        try {
            while (true) {
                boolean open = state.isOpen(fid);
                if (open == marked.contains(fid)) {
                    return;
                }
                if (open) {
                    try {
                        md.markOpen(opener, fid);
                    } catch (NacreException e) {
                        if (e.status() != Status.STALE) {
                            throw e;
                        }
                        // gone before it was marked (removed by a change the open raced with): nothing to hold; taken
                        // as settled, so that it is not asked again (its unmark at the last close does nothing)
                        LOG.debug("{}: opened here but gone at the MDS", fid);
                    }
                    marked.add(fid);
                    continue;
                }
                if (!recalled && removal != DIRECT && unlinkedHere(fid)) {
                    removal.accept(fid, () -> settle(fid, true));
                    return;
                }
                if (md.unmarkOpen(opener.gateway(), fid)) {
                    LOG.debug("{}: last close of a file removed while open: destroyed", fid);
                }
                marked.remove(fid);
            }
        } finally {
            l.unlock();
        }
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
     * Settles every file marked here or open here (the reaper's round): the opens that went with a client
     * (lease expiry, DESTROY_CLIENTID, a client's restart) unmark their files, and a mark a race left out is
     * made. A file that fails is tried again at the next round.
     */
    public void settleAll() {
        if (!marksOnMds()) {
            return;
        }
        Set<Fid> files = new HashSet<>(marked);
        files.addAll(state.openFiles());
        for (Fid f : files) {
            try {
                settle(f, false);
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
