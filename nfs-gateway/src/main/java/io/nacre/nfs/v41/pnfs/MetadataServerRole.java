package io.nacre.nfs.v41.pnfs;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.io.FileIo;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.SetAttr;
import io.nacre.nfs.v41.CompoundContext;
import io.nacre.nfs.v41.NfsException;
import io.nacre.nfs.v41.ServerContext;
import io.nacre.nfs.v41.cb.BackChannel;
import io.nacre.nfs.v41.state.NfsClient;
import io.nacre.nfs.v41.state.Session;
import io.nacre.nfs.v41.state.StateManager;
import io.nacre.nfs.v41.xdr.CbLayoutRecallArgs;
import io.nacre.nfs.v41.xdr.Nfs4;
import io.nacre.nfs.v41.xdr.Nfs4Status;
import io.nacre.nfs.v41.xdr.OpRes;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pNFS metadata-server role: the layouts handed out, their devices, the signing of data-server
 * filehandles, and recalls (CB_LAYOUTRECALL) before operations that change where a file's bytes are.
 */
public final class MetadataServerRole implements PnfsRole {

    private static final Logger LOG = LoggerFactory.getLogger(MetadataServerRole.class);
    /** Fault point: hit before each glimpse asks the OSTs (sleep: OSTs that hang; fail: a node down). */
    public static final String FAULT_GLIMPSE = "nfs.pnfs.glimpse";
    /** The longest wait of Linux between two sends of an operation answered NFS4ERR_DELAY (NFS4_POLL_RETRY_MAX). */
    static final Duration MAX_RETRY_WAIT = Duration.ofSeconds(15);

    private final DsHandles handles;
    private final Devices devices;
    private final Layouts layouts;
    /** How long a conflicting NFS operation waits for a recall before it answers NFS4ERR_DELAY. */
    private final Duration recallGrace;
    /** How long a caller that is not an NFS client waits for a recall before it gets DELAY. */
    private final Duration recallTimeout;
    /** Layouts not returned this long after their recall are revoked: the lease (RFC 8881 §12.5.5.2). */
    private final Duration revokeAfter;
    private final LayoutFence fence;
    /** The recall out for each file whose layouts are being recalled; guarded by {@link #recallLock}. */
    private final Map<Fid, FileRecall> recalls = new HashMap<>();
    /** Taken before the layout table's lock, never inside it. */
    private final ReentrantLock recallLock = new ReentrantLock();

    public MetadataServerRole(long fsid, PnfsOptions options, byte[] secret, StateManager state) {
        this.handles = new DsHandles(fsid, secret);
        this.devices = new Devices(options.dataServers());
        this.layouts = new Layouts(state.epoch(), c -> alive(state, c));
        this.recallGrace = options.recallGrace();
        this.recallTimeout = options.recallTimeout();
        this.revokeAfter = state.options().lease();
        this.fence = options.fence();
    }

    private static boolean alive(StateManager state, NfsClient c) {
        try {
            return state.client(c.clientid()) == c;
        } catch (NfsException e) {
            return false;
        }
    }

    @Override
    public int exchangeIdFlags() {
        return Nfs4.EXCHGID4_FLAG_USE_PNFS_MDS;
    }

    @Override
    public int sequenceFlags(Session session, int slot, int seqid) {
        return layouts.sequenceFlags(session.client(), session, slot, seqid);
    }

    /** The role of the compound's server; NFS4ERR_LAYOUTUNAVAILABLE when it hands out no layouts. */
    static MetadataServerRole of(CompoundContext ctx) {
        if (ctx.server().pnfs() instanceof MetadataServerRole r) {
            return r;
        }
        throw new NfsException(Nfs4Status.NFS4ERR_LAYOUTUNAVAILABLE, "pNFS is off");
    }

    DsHandles handles() {
        return handles;
    }

    Devices devices() {
        return devices;
    }

    public Layouts layouts() {
        return layouts;
    }

    /**
     * The attributes of a file as clients must see them while some client may have written to the data
     * servers what no LAYOUTCOMMIT has brought here yet (Lustre's glimpse): as long as a write layout of
     * the file is out, the size is the larger of the MDS's and the end the OST objects imply. RFC 8881
     * §12.5.4 lets the server learn the size before LAYOUTCOMMIT, and this is what keeps an append through
     * a second open from landing over bytes a first open wrote to a data server (Linux takes a smaller
     * server size when it has no dirty pages). The change attribute and mtime stay the MDS's: they move at
     * LAYOUTCOMMIT (§12.5.4.1), so a cache validated against the change attribute in between still sees it
     * move then. Without write layouts nothing is asked of the OSTs. The OSTs are given the server's OST
     * call timeout ({@link PnfsOptions#glimpseTimeout}); past it, or when one fails (a node down), the MDS's
     * size is answered and the failure logged. The same stat of each object gives space_used: when the OSTs
     * were asked, the glimpse's attributes carry theirs, or the MDS's estimate if they failed, and a GETATTR
     * after it asks nothing more ({@link Glimpse#spaceUsedAsked}: one wait for an OSS that is away, not two).
     */
    public Glimpse glimpse(ServerContext server, Attr a) {
        if (!a.isRegular() || !layouts.writeHeld(a.fid())) {
            return new Glimpse(a, false);
        }
        FileIo.ObjectsUsage known = new FileIo.ObjectsUsage(a.size(), a.spaceUsed());
        FileIo.ObjectsUsage osts = server.ostCalls().askFor(a.fid(), "glimpse of the size", FAULT_GLIMPSE,
                () -> server.io().usage(a.fid()), known);
        long end = Math.max(osts.end(), a.size());
        if (end > a.size()) {
            LOG.debug("{}: glimpse: size {} on the OSTs, {} on the MDS", a.fid(), end, a.size());
        }
        if (end == a.size() && osts.used() == a.spaceUsed()) {
            return new Glimpse(a, true);
        }
        return new Glimpse(new Attr(a.fid(), a.type(), a.mode(), a.nlink(), a.uid(), a.gid(), end, osts.used(),
                a.rdevMajor(), a.rdevMinor(), a.atime(), a.mtime(), a.ctime(), a.btime(), a.change(), a.dataVersion(),
                a.hsm()), true);
    }

    /**
     * What {@link #glimpse} made of a file's attributes: {@code spaceUsedAsked} when the OSTs were asked (their
     * space_used is in {@code attr}, or the MDS's estimate when they failed or were late).
     */
    public record Glimpse(Attr attr, boolean spaceUsedAsked) {
    }

    /**
     * The end of the file's data on its OST objects while some client holds a write layout of the file
     * (see {@link #glimpse}), or 0: without write layouts, or when the OSTs fail or are late.
     */
    public long glimpsedSize(ServerContext server, Fid fid) {
        return layouts.writeHeld(fid) ? glimpseEnd(server, fid, 0) : 0;
    }

    /** The end of the file's data on its OST objects, within the OST call timeout; {@code known} when they fail. */
    private static long glimpseEnd(ServerContext server, Fid fid, long known) {
        return server.ostCalls().ask(fid, "glimpse of the size", FAULT_GLIMPSE, () -> server.io().glimpse(fid), known);
    }

    /** A hold on a file's layouts: while open, no layout of the file is granted. */
    public interface Recall extends AutoCloseable {
        /** No recall: nothing to close. */
        Recall NONE = () -> {
        };

        @Override
        void close();
    }

    private static final Recall NOTHING = Recall.NONE;

    /**
     * The recall of a file's layouts that is out: the layouts recalled, and {@code done} once every one is
     * returned or revoked. From its start until an operation takes it over ({@link #hold}) or it lapses
     * ({@link #lapse}) it holds the file's layouts: no layout of the file is granted meanwhile, so an operation
     * that comes back after the return finds none out.
     */
    private static final class FileRecall {
        final Fid fid;
        final List<Layouts.Recalled> held;
        final CompletableFuture<Void> done;
        final long startNanos = System.nanoTime();

        FileRecall(Fid fid, List<Layouts.Recalled> held) {
            this.fid = fid;
            this.held = held;
            this.done = CompletableFuture.allOf(held.stream().map(Layouts.Recalled::gone)
                    .toArray(CompletableFuture<?>[]::new));
        }
    }

    /**
     * Holds the file's layouts for a change to its bytes made by an NFS client's operation (truncate, unlink,
     * rename over it, restripe, HSM release): with layouts out, recalls them (RFC 8881 §12.5.5) if no recall
     * is out yet, and waits the recall grace for their return. Returned by then, the operation goes on under the
     * hold (close it when done). Otherwise NFS4ERR_DELAY, and the recall goes on without holding up the
     * operation's thread or its session slot (§15.1.1.3): the client sends the operation again later and
     * finds the recall still out (NFS4ERR_DELAY again, no new CB_LAYOUTRECALL) or done (it goes on). Layouts not
     * returned within a lease are revoked (§12.5.5.2). An operation that answered NFS4ERR_DELAY changed nothing.
     */
    public Recall recall(ServerContext server, Fid fid, String why) {
        return recall(server, fid, why, true);
    }

    /**
     * {@link #recall(ServerContext, Fid, String)}; {@code changed} is the recall's clora_changed (RFC 8881
     * §20.3.3): true when where the bytes are changes (the client should then write through the MDS rather
     * than the data servers), false when the layout stays good and the client should finish its writes to
     * the data servers and commit them.
     */
    private Recall recall(ServerContext server, Fid fid, String why, boolean changed) {
        Recall r = hold(server, fid, why, changed, recallGrace.toNanos());
        if (r == null) {
            throw new NfsException(Nfs4Status.NFS4ERR_DELAY, "layouts of " + fid + " are being recalled (" + why + ")");
        }
        return r;
    }

    /**
     * {@link #recall(ServerContext, Fid, String)} for a change made outside NFS (restripe, HSM release through
     * FileIo): such a caller cannot be told NFS4ERR_DELAY, so it waits for the return at most the recall
     * timeout ({@link PnfsOptions#recallTimeout}), then gets DELAY (a NacreException: not now, try again):
     * the recall goes on, and a layout not returned within a lease is revoked, so a retry then goes through.
     */
    public Recall recallFor(ServerContext server, Fid fid, String why) {
        Recall r = hold(server, fid, why, true, recallTimeout.toNanos());
        if (r == null) {
            throw new NacreException(Status.DELAY, "pNFS clients have not returned their layouts of " + fid
                    + " yet (recalled for " + why + "; a layout not returned within the " + revokeAfter.toSeconds()
                    + " s lease is revoked): try again");
        }
        return r;
    }

    /**
     * A hold on the file's layouts once none is out, waiting at most {@code waitNanos} for a recall; null when
     * the recall is still out then.
     */
    private Recall hold(ServerContext server, Fid fid, String why, boolean changed, long waitNanos) {
        long deadline = System.nanoTime() + waitNanos;
        while (true) {
            FileRecall out;
            boolean started = false;
            recallLock.lock();
            try {
                out = recalls.get(fid);
                if (out == null) {
                    List<Layouts.Recalled> held = layouts.beginRecall(fid);
                    if (held.isEmpty()) {
                        return () -> layouts.endRecall(fid);
                    }
                    out = new FileRecall(fid, held);
                    recalls.put(fid, out);
                    started = true;
                } else if (out.done.isDone()) {
                    // every layout is back: this operation takes the recall's hold over
                    recalls.remove(fid);
                    return () -> layouts.endRecall(fid);
                }
            } finally {
                recallLock.unlock();
            }
            if (started) {
                start(server, out, why, changed);
            }
            if (!await(out.done, deadline)) {
                LOG.debug("{}: {} waits for the recall of {} layout(s)", fid, why, out.held.size());
                return null;
            }
        }
    }

    /**
     * Sends the recall to every holder, ends at once the layouts of clients that are gone, revokes after a
     * lease what is still held, and lets the recall lapse some time after it is done.
     */
    private void start(ServerContext server, FileRecall out, String why, boolean changed) {
        long revokeAt = out.startNanos + revokeAfter.toNanos();
        for (Layouts.Recalled r : out.held) {
            if (r.expired()) {
                LOG.info("{}: layout {} of {}, whose lease ran out, ended at the recall ({})", out.fid, r.stateid(),
                        r.client(), why);
                later(0, () -> revoke(server, r, false));
            } else {
                send(server, out.fid, r, why, changed, revokeAt, 50);
            }
        }
        later(revokeAfter.toNanos(), () -> revokeUnreturned(server, out, 1));
        // not in the thread that completes it: a return completes it under the layout table's lock
        out.done.whenComplete((v, e) -> later(lingerNanos(out), () -> lapse(out)));
    }

    /**
     * How long a recall that is done keeps holding the file's layouts for the operation that started it to come
     * back: a client answered NFS4ERR_DELAY retries after a wait that grows with each answer (Linux: from
     * 100 ms, doubling, at most 15 s), so about as long again as the recall took, plus a second; at most
     * {@link #MAX_RETRY_WAIT}. Meanwhile a holder that writes on gets NFS4ERR_RECALLCONFLICT rather than a new
     * layout the operation would recall again.
     */
    private static long lingerNanos(FileRecall out) {
        long took = System.nanoTime() - out.startNanos;
        return Math.min(took + TimeUnit.SECONDS.toNanos(1), MAX_RETRY_WAIT.toNanos());
    }

    /** The recall lapses if no operation took it over: layouts of the file are granted again. */
    private void lapse(FileRecall out) {
        recallLock.lock();
        try {
            if (recalls.remove(out.fid, out)) {
                layouts.endRecall(out.fid);
            }
        } finally {
            recallLock.unlock();
        }
    }

    /**
     * Revokes the recalled layouts still held a lease after the recall (RFC 8881 §12.5.5.2: the data servers
     * are fenced, see {@link #revoke}). One that cannot be revoked now (the MDS cannot record what its
     * writes left on the OSTs) is tried again each second, for a lease at most: until then the recall stays
     * out.
     */
    private void revokeUnreturned(ServerContext server, FileRecall out, int attempt) {
        boolean failed = false;
        for (Layouts.Recalled r : out.held) {
            if (r.gone().isDone()) {
                continue;
            }
            LOG.warn("{}: layout {} of {} not returned within {} s of its recall: revoked", out.fid, r.stateid(),
                    r.client(), revokeAfter.toSeconds());
            try {
                revoke(server, r, true);
            } catch (RuntimeException e) {
                LOG.warn("{}: revoking layout {} of {} (attempt {}): {}", out.fid, r.stateid(), r.client(), attempt,
                        e.toString());
                failed = true;
            }
        }
        if (failed && attempt < Math.max(1, revokeAfter.toSeconds())) {
            later(TimeUnit.SECONDS.toNanos(1), () -> revokeUnreturned(server, out, attempt + 1));
        } else if (failed) {
            LOG.error("{}: layouts not returned could not be revoked: its recall stays out", out.fid);
        }
    }

    /** Runs {@code task} after {@code nanos} on a virtual thread (not the common pool: see {@link #send}). */
    private static void later(long nanos, Runnable task) {
        Runnable logged = () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.warn("layout recall: {}", e.toString(), e);
            }
        };
        if (nanos <= 0) {
            Thread.ofVirtual().start(logged);
            return;
        }
        CompletableFuture.delayedExecutor(nanos, TimeUnit.NANOSECONDS, t -> Thread.ofVirtual().start(t))
                .execute(logged);
    }

    /** {@link #recall} on the compound's server, or nothing when it hands out no layouts. */
    public static Recall recall(CompoundContext ctx, Fid fid, String why) {
        return ctx.server().pnfs() instanceof MetadataServerRole r ? r.recall(ctx.server(), fid, why) : NOTHING;
    }

    /**
     * {@link #recall} when some client holds a write layout of the file, else nothing. Before an explicit
     * mtime (SETATTR of time_modify): Linux never sends time_modify in LAYOUTCOMMIT, so a LAYOUTCOMMIT moves
     * mtime to the server's time, and one for writes made before the SETATTR must not arrive after it
     * (`cp -a` writes, sets mtime, closes: the close sends the LAYOUTCOMMIT). The recall (clora_changed
     * false: the layout stays good) makes every holder commit what it wrote and return its layout first (Linux
     * starts its LAYOUTCOMMIT on the recall and returns the layout when it is done); a write after the SETATTR
     * needs a new layout, and its LAYOUTCOMMIT moves mtime as a write must. A SETATTR sent again after
     * NFS4ERR_DELAY finds the layouts returned but its recall still out: it takes the recall over, which ends
     * it with the SETATTR (otherwise it would hold the file's layouts a second or more after the SETATTR
     * answered, and the writer's next LAYOUTGET would get NFS4ERR_RECALLCONFLICT).
     */
    public static Recall recallWriters(CompoundContext ctx, Fid fid, String why) {
        return ctx.server().pnfs() instanceof MetadataServerRole r && (r.layouts.writeHeld(fid) || r.recallOut(fid))
                ? r.recall(ctx.server(), fid, why, false) : NOTHING;
    }

    /** Whether a recall of the file's layouts is out (not yet taken over by an operation, nor lapsed). */
    private boolean recallOut(Fid fid) {
        recallLock.lock();
        try {
            return recalls.containsKey(fid);
        } finally {
            recallLock.unlock();
        }
    }

    /**
     * {@link #recall} of the regular file {@code name} of directory {@code dir} names (REMOVE, RENAME over it)
     * when its objects go with the name: its last name, and not open here. A file that keeps other names
     * (hard links; also the two names of a RENAME onto another name of the same file, which does nothing), or
     * that is open and lives on hidden until its last close ({@link io.nacre.nfs.v41.UnlinkedFiles}), keeps its
     * objects where every layout of it points, and a layout needs recalling only once it no longer says where the
     * file's bytes are (RFC 8881 §12.5.5): recalling would only cost each holder a round trip and its cached
     * layout. Its objects go later, and are recalled then ({@link #recallThen}, {@link #gone}). A recall out for
     * the file (the operation sent again after NFS4ERR_DELAY, the file opened meanwhile) is taken over all the
     * same. Without layouts nothing is looked up.
     */
    public static Recall recallNamed(CompoundContext ctx, Fid dir, String name, String why) {
        if (!mayRecall(ctx)) {
            return NOTHING;
        }
        MetadataServerRole r = (MetadataServerRole) ctx.server().pnfs();
        Attr target;
        try {
            target = ctx.server().md().lookup(Caller.ROOT, dir, name);
        } catch (NacreException e) {
            return NOTHING; // the operation itself reports what is wrong with the name
        }
        if (!target.isRegular()) {
            return NOTHING;
        }
        boolean goes = target.nlink() <= 1 && !ctx.server().state().isOpen(target.fid());
        return goes || r.recallOut(target.fid()) ? r.recall(ctx.server(), target.fid(), why) : NOTHING;
    }

    /**
     * After a REMOVE or RENAME over a file: when its last name went ({@code removed}, the file's attributes after
     * the change, has no link left) while a client still holds a layout of it, recalls that now, its objects
     * being on their way out. {@link #recallNamed} recalled before the change when it saw the file go; this
     * catches what it could not see: another name removed at the same time, a last close in between.
     */
    public static void gone(CompoundContext ctx, Attr removed, String why) {
        if (removed == null || !removed.isRegular() || removed.nlink() > 0
                || !(ctx.server().pnfs() instanceof MetadataServerRole r) || !r.layouts.held(removed.fid())) {
            return;
        }
        LOG.info("{}: its last name went ({}) while a layout of it was out: recalled now", removed.fid(), why);
        r.recallThen(ctx.server(), removed.fid(), why, () -> {
        });
    }

    /**
     * Runs {@code change}, after which a file's objects go, once no layout of the file is out, where no client
     * can be answered NFS4ERR_DELAY: the removal of a file unlinked while open, at its last close or when its
     * opener's lease ends. With no layout out it runs at once on this thread; otherwise the recall starts (RFC 8881
     * §12.5.5) and the change runs on another thread once every layout is returned or revoked (a lease at most),
     * so that the CLOSE that ended the last open is answered without waiting for other clients. When even that
     * does not end them (a revocation that kept failing), the change is not made and this is logged: a hidden
     * file is then removed by the orphan cleanup after the server's next start.
     */
    public void recallThen(ServerContext server, Fid fid, String why, Runnable change) {
        Recall now = hold(server, fid, why, true, 0);
        if (now != null) {
            try (now) {
                change.run();
            }
            return;
        }
        later(0, () -> {
            // revoked a lease after the recall; a revocation that fails is tried each second for another lease
            Recall r = hold(server, fid, why, true, 2 * revokeAfter.toNanos() + TimeUnit.SECONDS.toNanos(5));
            if (r == null) {
                LOG.error("{}: layouts recalled for {} are neither returned nor revoked: left as it is", fid, why);
                return;
            }
            try (r) {
                change.run();
            }
        });
    }

    /**
     * Whether {@link #recallNamed} may have a layout to recall, or a recall to take over (the operation sent
     * again after NFS4ERR_DELAY, the last layout returned meanwhile): false while no client holds any and no
     * recall is out (or without pNFS).
     */
    public static boolean mayRecall(CompoundContext ctx) {
        return ctx.server().pnfs() instanceof MetadataServerRole r && (!r.layouts.isEmpty() || r.anyRecallOut());
    }

    private boolean anyRecallOut() {
        recallLock.lock();
        try {
            return !recalls.isEmpty();
        } finally {
            recallLock.unlock();
        }
    }

    /**
     * Sends CB_LAYOUTRECALL until the client gives an answer other than NFS4ERR_DELAY (it has a LAYOUTGET
     * reply in flight, or I/O it must finish first), at most until the deadline. A client that says it
     * holds no such layout (NFS4ERR_NOMATCHING_LAYOUT, or NFS4ERR_BAD_STATEID: it never saw that
     * stateid) has returned it (§20.3.3).
     */
    private CompletableFuture<Void> send(ServerContext server, Fid fid, Layouts.Recalled r, String why,
                                         boolean changed, long deadline, long backoffMillis) {
        BackChannel cb = server.state().backChannel(r.client());
        if (cb == null) {
            LOG.info("{}: no backchannel to {} for the recall ({}): waiting for its return", fid, r.client(), why);
            return CompletableFuture.<Void>completedFuture(null);
        }
        LOG.debug("{}: CB_LAYOUTRECALL {} to {} ({})", fid, r.stateid(), r.client(), why);
        CbLayoutRecallArgs args = CbLayoutRecallArgs.file(Nfs4.LAYOUT4_NFSV4_1_FILES, Nfs4.LAYOUTIOMODE4_ANY, changed,
                server.handles().encode(fid), 0, Layouts.TO_EOF, r.stateid());
        return cb.call(args).handle((OpRes res, Throwable e) -> {
            if (e != null) {
                LOG.info("{}: CB_LAYOUTRECALL to {} failed: {}", fid, r.client(), e.toString());
                return CompletableFuture.<Void>completedFuture(null);
            }
            switch (res.status()) {
                case Nfs4Status.NFS4_OK -> {
                }
                case Nfs4Status.NFS4ERR_NOMATCHING_LAYOUT, Nfs4Status.NFS4ERR_BAD_STATEID -> revoke(server, r, false);
                case Nfs4Status.NFS4ERR_DELAY -> {
                    if (!r.gone().isDone() && System.nanoTime() + backoffMillis * 1_000_000 < deadline) {
                        // not the common pool: with one worker on a small machine, anyone blocking it delays recalls
                        Executor later = CompletableFuture.delayedExecutor(backoffMillis, TimeUnit.MILLISECONDS,
                                task -> Thread.ofVirtual().start(task));
                        return CompletableFuture.supplyAsync(() -> (Void) null, later).thenCompose(x ->
                                send(server, fid, r, why, changed, deadline, Math.min(backoffMillis * 2, 1000)));
                    }
                }
                default -> LOG.info("{}: CB_LAYOUTRECALL to {}: {}", fid, r.client(), Nfs4Status.name(res.status()));
            }
            return CompletableFuture.<Void>completedFuture(null);
        }).thenCompose(f -> f);
    }

    /**
     * The client closed its last open of the file: a write layout it still holds, granted to be returned at
     * close ({@link Layouts#returnOnClose}), is taken as returned (RFC 8881 §18.43.3 has the server ready
     * to recall it; ending it here spares the recall). Linux returns it in the CLOSE compound before the
     * CLOSE, so this finds nothing then. What the client wrote is recorded first ({@link #settle}), and the
     * data servers refuse the layout's handles from then on, all of its segments (they share the grant), so
     * that a client that kept it gets NFS4ERR_PNFS_NO_LAYOUT and asks again rather than writing bytes no
     * layout accounts for. The CLOSE is done by then: a failure here (a data server that cannot be told) is
     * logged, not answered; the layout is gone all the same.
     */
    public void lastClose(ServerContext server, NfsClient client, Fid fid) {
        Layouts.Recalled r = layouts.unreturnedAtClose(client, fid);
        if (r == null) {
            return;
        }
        LOG.info("{}: layout {} of {} not returned at its last CLOSE (return_on_close): taken as returned", fid,
                r.stateid(), client);
        try {
            revoke(server, r, false);
        } catch (RuntimeException e) {
            LOG.warn("{}: ending layout {} of {} at its last CLOSE: {}", fid, r.stateid(), client, e.toString());
        }
    }

    /**
     * Tells the data servers to refuse the layout's handles from now on, records what they hold of the
     * file ({@link #settle}), and drops the layout.
     */
    private void revoke(ServerContext server, Layouts.Recalled r, boolean notReturned) {
        try {
            fence.revoke(r.stateid().id());
        } finally {
            layouts.revoke(r.state(), notReturned, fid -> settle(server, fid));
        }
    }

    /**
     * A write layout of the file is going (returned, revoked): records the size its OST objects imply when
     * it is beyond the MDS's, mtime the server's time, as a LAYOUTCOMMIT would. Linux sends the LAYOUTCOMMIT
     * and the LAYOUTRETURN of a recall side by side; when the return is processed first the commit finds no
     * layout (NFS4ERR_BAD_STATEID, which Linux ignores) and the size of what was written would be lost. A
     * glimpse that fails is logged and the MDS keeps its size.
     */
    void settle(ServerContext server, Fid fid) {
        long end = glimpseEnd(server, fid, 0);
        Attr a = server.md().getattr(fid);
        if (end > a.size()) {
            Attr after = server.md().dataWritten(fid, end, SetAttr.SERVER_TIME);
            LOG.info("{}: size {} (was {}) from the OSTs as a write layout ends without its LAYOUTCOMMIT", fid,
                    after.size(), a.size());
        }
    }

    private static boolean await(CompletableFuture<?> f, long deadline) {
        long left = deadline - System.nanoTime();
        try {
            f.get(Math.max(0, left), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
