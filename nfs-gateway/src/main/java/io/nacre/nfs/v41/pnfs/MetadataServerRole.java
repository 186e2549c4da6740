package io.nacre.nfs.v41.pnfs;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.meta.Attr;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pNFS metadata-server role: the layouts handed out, their devices, the signing of data-server
 * filehandles, and recalls (CB_LAYOUTRECALL) before operations that change where a file's bytes are.
 */
public final class MetadataServerRole implements PnfsRole {

    private static final Logger LOG = LoggerFactory.getLogger(MetadataServerRole.class);

    private final DsHandles handles;
    private final Devices devices;
    private final Layouts layouts;
    private final Duration recallTimeout;
    private final LayoutFence fence;

    public MetadataServerRole(long fsid, PnfsOptions options, byte[] secret, StateManager state) {
        this.handles = new DsHandles(fsid, secret);
        this.devices = new Devices(options.dataServers());
        this.layouts = new Layouts(state.epoch(), c -> alive(state, c));
        this.recallTimeout = options.recallTimeout();
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

    /** A recall in progress: while open, no layout of the file is granted. */
    public interface Recall extends AutoCloseable {
        @Override
        void close();
    }

    private static final Recall NOTHING = () -> {
    };

    /**
     * Recalls every layout of a file held by any client (truncate, unlink, rename over it, restripe,
     * HSM release) and waits for their return, at most the recall timeout; layouts not returned by then
     * are revoked. Close the result when the operation is done: new layouts are refused until then.
     */
    public Recall recall(ServerContext server, Fid fid, String why) {
        if (!layouts.held(fid)) {
            return NOTHING;
        }
        List<Layouts.Recalled> held = layouts.beginRecall(fid);
        Recall done = () -> layouts.endRecall(fid);
        try {
            long deadline = System.nanoTime() + recallTimeout.toNanos();
            List<CompletableFuture<Void>> sent = new ArrayList<>();
            for (Layouts.Recalled r : held) {
                sent.add(send(server, fid, r, why, deadline, 50));
            }
            for (int i = 0; i < held.size(); i++) {
                Layouts.Recalled r = held.get(i);
                await(sent.get(i), deadline);
                if (!await(r.gone(), deadline)) {
                    LOG.warn("{}: layout {} of {} not returned within {}: revoked", fid, r.stateid(), r.client(),
                            recallTimeout);
                    revoke(r, true);
                }
            }
            return done;
        } catch (RuntimeException | Error e) {
            done.close();
            throw e;
        }
    }

    /** {@link #recall} on the compound's server, or nothing when it hands out no layouts. */
    public static Recall recall(CompoundContext ctx, Fid fid, String why) {
        return ctx.server().pnfs() instanceof MetadataServerRole r ? r.recall(ctx.server(), fid, why) : NOTHING;
    }

    /**
     * {@link #recall} of the regular file {@code name} of directory {@code dir} names, if there is one and
     * some client holds layouts (REMOVE, RENAME over it); without layouts nothing is looked up.
     */
    public static Recall recallNamed(CompoundContext ctx, Fid dir, String name, String why) {
        if (!(ctx.server().pnfs() instanceof MetadataServerRole r) || r.layouts.isEmpty()) {
            return NOTHING;
        }
        Attr target;
        try {
            target = ctx.server().md().lookup(Caller.ROOT, dir, name);
        } catch (NacreException e) {
            return NOTHING; // the operation itself reports what is wrong with the name
        }
        return target.isRegular() ? r.recall(ctx.server(), target.fid(), why) : NOTHING;
    }

    /**
     * Sends CB_LAYOUTRECALL until the client gives an answer other than NFS4ERR_DELAY (it has a LAYOUTGET
     * reply in flight, or I/O it must finish first), at most until the deadline. A client that says it
     * holds no such layout (NFS4ERR_NOMATCHING_LAYOUT, or NFS4ERR_BAD_STATEID: it never saw that
     * stateid) has returned it (§20.3.3).
     */
    private CompletableFuture<Void> send(ServerContext server, Fid fid, Layouts.Recalled r, String why,
                                         long deadline, long backoffMillis) {
        BackChannel cb = server.state().backChannel(r.client());
        if (cb == null) {
            LOG.info("{}: no backchannel to {} for the recall ({}): waiting for its return", fid, r.client(), why);
            return CompletableFuture.<Void>completedFuture(null);
        }
        LOG.debug("{}: CB_LAYOUTRECALL {} to {} ({})", fid, r.stateid(), r.client(), why);
        CbLayoutRecallArgs args = CbLayoutRecallArgs.file(Nfs4.LAYOUT4_NFSV4_1_FILES, Nfs4.LAYOUTIOMODE4_ANY, true,
                server.handles().encode(fid), 0, Layouts.TO_EOF, r.stateid());
        return cb.call(args).handle((OpRes res, Throwable e) -> {
            if (e != null) {
                LOG.info("{}: CB_LAYOUTRECALL to {} failed: {}", fid, r.client(), e.toString());
                return CompletableFuture.<Void>completedFuture(null);
            }
            switch (res.status()) {
                case Nfs4Status.NFS4_OK -> {
                }
                case Nfs4Status.NFS4ERR_NOMATCHING_LAYOUT, Nfs4Status.NFS4ERR_BAD_STATEID -> revoke(r, false);
                case Nfs4Status.NFS4ERR_DELAY -> {
                    if (!r.gone().isDone() && System.nanoTime() + backoffMillis * 1_000_000 < deadline) {
                        // not the common pool: with one worker on a small machine, anyone blocking it delays recalls
                        Executor later = CompletableFuture.delayedExecutor(backoffMillis, TimeUnit.MILLISECONDS,
                                task -> Thread.ofVirtual().start(task));
                        return CompletableFuture.supplyAsync(() -> (Void) null, later).thenCompose(x ->
                                send(server, fid, r, why, deadline, Math.min(backoffMillis * 2, 1000)));
                    }
                }
                default -> LOG.info("{}: CB_LAYOUTRECALL to {}: {}", fid, r.client(), Nfs4Status.name(res.status()));
            }
            return CompletableFuture.<Void>completedFuture(null);
        }).thenCompose(f -> f);
    }

    /** Drops the layout and tells the data servers to refuse its handles from now on. */
    private void revoke(Layouts.Recalled r, boolean notReturned) {
        try {
            fence.revoke(r.stateid().id());
        } finally {
            layouts.revoke(r.state(), notReturned);
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
