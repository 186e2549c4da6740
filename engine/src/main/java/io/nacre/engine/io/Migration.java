package io.nacre.engine.io;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.fault.Faults;
import io.nacre.engine.layout.Component;
import io.nacre.engine.layout.Layout;
import io.nacre.engine.layout.LayoutTemplate;
import io.nacre.engine.layout.Placement;
import io.nacre.engine.meta.Access;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.DirEntry;
import io.nacre.engine.meta.DirPage;
import io.nacre.engine.meta.FileType;
import io.nacre.engine.meta.HiddenDirectory;
import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.meta.MetadataService.RemoveKind;
import io.nacre.engine.meta.PendingDestroy;
import io.nacre.engine.meta.Results.AttrChange;
import io.nacre.engine.store.Durability;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Lock;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One lfs migrate of a file through a {@link FileIo}: its data is copied into a file staged under
 * {@link Fid#HIDDEN} and laid out as asked (the normal allocator places its objects), then the staged layout is
 * swapped in ({@link MetadataService#swapLayout}). Lustre takes a lease that a writer's open breaks; we check
 * instead that the file's data version did not move during the copy, which every writer moves: FileIo's
 * writes (recorded at the latest when the swap commits them, under the file's write lock, so none is in
 * flight and none has bytes only in the old objects), pNFS clients' (their layouts are recalled for the
 * whole migrate, so they write through FileIo meanwhile, and their LAYOUTCOMMIT before returning records
 * what they wrote before), other nodes' (their dataWritten). A write during the copy makes it start over;
 * the last attempt copies under the write lock, as {@code lfs migrate --block} does. The swap itself is one
 * replicated change: a crash before it leaves the file as it was (and the staged copy, which the next
 * migrate of the file removes); after it, the new layout with every acknowledged byte. Fault point
 * {@code fileio.migrate.before_swap}: the copy is durable, the swap not asked for yet.
 */
final class Migration {

    private static final Logger LOG = LoggerFactory.getLogger(Migration.class);

    /** The directory under {@link Fid#HIDDEN} holding staged copies, one per file, named after its Fid. */
    static final String STAGING = "migrate";
    /** Copies tried before giving up: the last one blocks the file's writers. */
    static final int ATTEMPTS = 4;
    private static final int COPY_CHUNK = 8 << 20;

    private final FileIo io;
    private final MetadataService mds;
    private final Caller caller;
    private final Fid fid;
    private final LayoutTemplate template;
    private final String name;

    Migration(FileIo io, Caller caller, Fid fid, LayoutTemplate template) {
        this.io = io;
        this.mds = io.mds();
        this.caller = caller;
        this.fid = fid;
        this.template = template;
        this.name = fid.toHex();
    }

    /** What the copy began from: the file's attributes (data version, size) and layout (generation). */
    private record Start(Attr attr, Layout layout) {
    }

    Layout run() {
        for (LayoutTemplate.Entry e : template.entries()) {
            if (e.dataOnMdt()) {
                throw new NacreException(Status.NOT_SUPPORTED, "a file cannot be restriped to data-on-MDT");
            }
        }
        Attr a = mds.getattr(fid);
        if (!caller.isRoot() && caller.uid() != a.uid() && (mds.access(caller, fid, Access.WRITE) & Access.WRITE) == 0) {
            throw new NacreException(Status.ACCESS, "restripe of " + fid + " needs write permission or ownership");
        }
        if (io.streaming(fid)) {
            throw new NacreException(Status.BUSY, fid + " is being written by a stream; not restriped");
        }
        Fid staging = stagingDir();
        NacreException last = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            boolean blocking = attempt == ATTEMPTS;
            try {
                Layout done = attempt(staging, blocking);
                if (done != null) {
                    LOG.info("restriped {} (attempt {}): layout generation {}", fid, attempt, done.generation());
                    return done;
                }
            } catch (NacreException e) {
                discard(staging);
                if (e.status() != Status.BUSY) {
                    throw e;
                }
                last = e;
            }
            LOG.debug("{} changed during restripe attempt {}; copying again", fid, attempt);
        }
        throw new NacreException(Status.BUSY, fid + " kept changing during " + ATTEMPTS + " copies; not restriped"
                + (last == null ? "" : " (" + last.getMessage() + ")"), last);
    }

    /** One copy and swap; null when the file changed meanwhile (then nothing changed). */
    private Layout attempt(Fid staging, boolean blocking) {
        Lock lock = io.writeLock(fid);
        lock.lock();
        boolean locked = true;
        try {
            Start start = begin();
            if (!blocking) {
                lock.unlock();
                locked = false;
            }
            discard(staging);
            Fid copy = mds.create(Caller.ROOT, staging, name, CreateSpec.builder(FileType.REGULAR).mode(0600)
                    .layout(template).build()).attr().fid();
            copy(start.attr().size(), copy);
            Faults.hit("fileio.migrate.before_swap");
            if (!locked) {
                lock.lock();
                locked = true;
            }
            if (io.streaming(fid)) {
                if (blocking) {
                    throw new NacreException(Status.BUSY, fid + " is being written by a stream; not restriped");
                }
                return null;
            }
            // Unstable writes made during the copy went to the old objects: recorded now, they move the data version.
            io.commitPending(fid);
            AttrChange swapped = mds.swapLayout(caller, fid, start.attr().dataVersion(), start.layout().generation(),
                    staging, name);
            io.forgetLayout(fid);
            destroyOld(swapped);
            return mds.layout(fid);
        } finally {
            if (locked) {
                io.forgetLayout(fid);
                lock.unlock();
            }
        }
    }

    /** Under the file's write lock: records what this process wrote, then notes where the copy begins. */
    private Start begin() {
        io.commitPending(fid);
        Attr a = mds.getattr(fid);
        if (!a.isRegular()) {
            throw new NacreException(a.isDir() ? Status.IS_DIR : Status.INVALID, fid + " is not a regular file");
        }
        Layout layout = mds.layout(fid);
        if (layout.isReleased() || layout.components().stream().anyMatch(Component::isReleased)) {
            throw new NacreException(Status.INVALID, fid + " is released (HSM): restore it before restriping");
        }
        if (layout.components().stream().anyMatch(Component::isDataOnMdt)) {
            throw new NacreException(Status.NOT_SUPPORTED, fid + " keeps data on the MDT; it cannot be restriped");
        }
        return new Start(a, layout);
    }

    /**
     * Copies [0, size) of the file into the staged copy, a chunk at a time (bounded memory), skipping blocks of
     * zeros (holes stay holes), and makes the copy durable.
     */
    private void copy(long size, Fid copy) {
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(COPY_CHUNK, Math.max(size, 1)));
        long[] verifier = {0, 0}; // the first write's verifier, and whether there was one
        for (long off = 0; off < size; ) {
            buf.clear().limit((int) Math.min(buf.capacity(), size - off));
            int n = io.read(fid, off, buf);
            if (n == 0) {
                break; // truncated meanwhile: the swap will see the data version moved
            }
            buf.flip();
            // write the runs of blocks that hold data, one write per run
            int run = -1;
            for (int b = 0; ; b = Math.min(n, b + Placement.STRIPE_ALIGN)) {
                boolean data = b < n && !allZeros(buf, b, Math.min(n, b + Placement.STRIPE_ALIGN));
                if (data && run < 0) {
                    run = b;
                } else if (!data && run >= 0) {
                    writeCopy(copy, off + run, buf.slice(run, b - run), verifier);
                    run = -1;
                }
                if (b == n) {
                    break;
                }
            }
            off += n;
        }
        if (verifier[1] != 0 && io.commit(copy) != verifier[0]) {
            throw new NacreException(Status.BUSY, "an OST restarted during the copy of " + fid + "; its data may be lost");
        }
    }

    private void writeCopy(Fid copy, long offset, ByteBuffer bytes, long[] verifier) {
        long v = io.write(copy, offset, bytes, Durability.UNSTABLE);
        if (verifier[1] == 0) {
            verifier[0] = v;
            verifier[1] = 1;
        } else if (v != verifier[0]) {
            throw new NacreException(Status.BUSY, "an OST restarted during the copy of " + fid);
        }
    }

    private static boolean allZeros(ByteBuffer b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b.get(i) != 0) {
                return false;
            }
        }
        return true;
    }

    /** The old objects, queued by the swap, destroyed now; those that fail stay queued for the Destroyer. */
    private void destroyOld(AttrChange swapped) {
        Map<PendingDestroy, RuntimeException> failed = io.queued().perform(swapped.punches());
        if (!failed.isEmpty()) {
            LOG.warn("{} of the old objects of {} could not be destroyed yet (they stay queued): {}", failed.size(),
                    fid, failed.values().iterator().next().toString());
        }
    }

    /** Removes the staged copies of files for which {@code active} is false; how many were removed. */
    static int sweep(MetadataService mds, Predicate<Fid> active) {
        Fid staging;
        try {
            staging = mds.lookup(Caller.ROOT, Fid.HIDDEN, STAGING).fid();
        } catch (NacreException e) {
            if (e.status() == Status.NOT_FOUND) {
                return 0;
            }
            throw e;
        }
        List<String> leftovers = new ArrayList<>();
        long cookie = 0;
        for (DirPage page = null; page == null || !page.eof(); ) {
            page = mds.readdir(Caller.ROOT, staging, cookie, 256);
            for (DirEntry e : page.entries()) {
                cookie = e.cookie();
                if (!active.test(fidNamed(e.name()))) {
                    leftovers.add(e.name());
                }
            }
        }
        int removed = 0;
        for (String name : leftovers) {
            try {
                mds.remove(Caller.ROOT, staging, name, RemoveKind.FILE);
                removed++;
            } catch (NacreException e) {
                if (e.status() != Status.NOT_FOUND) {
                    LOG.warn("could not remove the staged copy {}: {}", name, e.toString());
                }
            }
        }
        if (removed > 0) {
            LOG.info("removed {} staged restripe cop{} an interrupted restripe left", removed, removed == 1 ? "y" : "ies");
        }
        return removed;
    }

    /** The file a staged copy is named after; null for a name that is no Fid (nothing made it: a leftover). */
    private static Fid fidNamed(String name) {
        try {
            return Fid.fromHex(name);
        } catch (NacreException e) {
            return null;
        }
    }

    /** Removes this file's staged copy, if any (an attempt's, or one a crash left): its objects get destroyed. */
    private void discard(Fid staging) {
        try {
            mds.remove(Caller.ROOT, staging, name, RemoveKind.FILE);
        } catch (NacreException e) {
            if (e.status() != Status.NOT_FOUND) {
                LOG.warn("could not remove the staged copy {} of {}: {}", name, fid, e.toString());
            }
        }
    }

    private Fid stagingDir() {
        return HiddenDirectory.of(mds, STAGING, 0700);
    }
}
