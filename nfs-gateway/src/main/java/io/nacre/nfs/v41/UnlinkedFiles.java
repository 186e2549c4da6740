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
import io.nacre.engine.meta.Results.DirChange;
import io.nacre.engine.meta.Results.Removed;
import io.nacre.engine.meta.Results.Renamed;
import io.nacre.nfs.v41.state.StateManager;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Files removed while open stay readable by their openers, as POSIX has it: instead of unlinking the
 * last name of an open file, REMOVE (and RENAME over it) moves it into a directory under the MDS's
 * hidden directory, and the last CLOSE (or the opener's lease expiring) removes it there. Entries left
 * by a crash are removed once the grace period after the restart is over. Each gateway of a cluster has a
 * directory of its own there ({@link #directory}): a gateway that restarts removes only its own leftovers,
 * never the files another gateway's clients still hold open.
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
    /**
     * Runs the removal of a hidden file (its objects go with it) for the file: at once, or, on a pNFS metadata
     * server, once the file's layouts are recalled ({@link #removeThrough}).
     */
    private volatile BiConsumer<Fid, Runnable> removal = (fid, remove) -> remove.run();

    UnlinkedFiles(MetadataService md, StateManager state, Fid dir) {
        this.md = md;
        this.state = state;
        this.dir = dir;
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
        Attr target = openLastLink(caller, parent, name);
        return target == null ? null : hide(caller, parent, name, target.fid()).from();
    }

    /**
     * Whether a remove here may have to keep the file it removes: false (the common case, learnt at no cost)
     * while no file is open, and {@link #remove} is then exactly the MDS's remove.
     */
    public boolean mayKeep() {
        return state.anyOpen();
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

    /** After a restart's grace period: removes what no open holds any more (a crash left it). */
    void removeOrphans() {
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
