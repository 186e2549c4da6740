package io.nacre.nfs.v41;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.io.FileIo;
import io.nacre.engine.layout.LayoutTemplate;
import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.meta.Opener;
import io.nacre.nfs.export.ExportTable;
import io.nacre.nfs.v41.attr.AttrEncoder;
import io.nacre.nfs.v41.attr.FsInfo;
import io.nacre.nfs.v41.attr.IdMapper;
import io.nacre.nfs.v41.pnfs.DsHandles;
import io.nacre.nfs.v41.pnfs.MetadataServerRole;
import io.nacre.nfs.v41.pnfs.PnfsOptions;
import io.nacre.nfs.v41.state.ClientRecords;
import io.nacre.nfs.v41.state.StateManager;
import io.nacre.nfs.v41.xdr.ImplId4;
import io.nacre.nfs.v41.xdr.Nfs4;
import io.nacre.nfs.v41.xdr.NfsTime4;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running NFSv4.1 service behind {@link io.nacre.nfs.NfsServer}: wires the state, the operations
 * and the RPC program together, and runs the lease reaper.
 */
public final class NfsService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NfsService.class);

    private final MetadataService md;
    private final FileIo io;
    private final ExportTable exports;
    private final IdMapper ids;
    private final Duration lease;
    private final int maxIo;
    private final String bindAddress;
    private final int port;
    private ServerContext context;
    private RpcServer rpc;
    private CompoundProcessor processor;
    private ScheduledExecutorService reaper;
    private volatile boolean orphansRemoved;
    private PnfsOptions pnfs;
    private String gateway;

    public NfsService(MetadataService md, FileIo io, ExportTable exports, IdMapper ids, Duration lease, int maxIo,
                      String bindAddress, int port) {
        this.md = md;
        this.io = io;
        this.exports = exports;
        this.ids = ids;
        this.lease = lease;
        this.maxIo = maxIo;
        this.bindAddress = bindAddress;
        this.port = port;
    }

    /** Hands out pNFS file layouts over these data servers (call before {@link #start}). */
    public void pnfs(PnfsOptions options) {
        this.pnfs = options;
    }

    /**
     * Names this gateway among the file system's (call before {@link #start}): its clients' recovery records
     * and its files removed while open are then its own (see {@link UnlinkedFiles#directory}).
     */
    public void gateway(String name) {
        this.gateway = name;
    }

    public void start() throws IOException {
        long fsid = md.fsid();
        int epoch = new SecureRandom().nextInt();
        StateManager.Options d = StateManager.Options.defaults();
        StateManager state = new StateManager(epoch, new StateManager.Options(lease, d.maxSlots(), d.maxOperations(),
                Math.max(d.maxRequestSize(), maxIo + 64 * 1024), Math.max(d.maxResponseSize(), maxIo + 64 * 1024),
                d.maxResponseSizeCached(), d.callbackTimeout()), new ClientRecords(md, gateway), System::nanoTime);
        state.start();
        Fid root = exports.path().equals("/") ? Fid.ROOT : md.resolve(Caller.ROOT, Fid.ROOT,
                exports.path().replaceFirst("^/+", "")).fid();
        // a named gateway's marks on the MDS carry this instance, so that the next one knows them for stale
        Opener opener = gateway == null ? null : new Opener(gateway, instance());
        // two threads: the slow-request report still runs while a reap waits for the metadata service; they also
        // send a named gateway's unmarks once due
        reaper = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "nfs-lease-reaper");
            t.setDaemon(true);
            return t;
        });
        UnlinkedFiles unlinked = new UnlinkedFiles(md, state, UnlinkedFiles.directory(md, gateway), opener, reaper);
        byte[] owner = ("nacre:%016x".formatted(fsid)).getBytes(StandardCharsets.UTF_8);
        // with pNFS: fs_layout_type says files layouts; layout_blksize is the default stripe size
        FsInfo fs = pnfs == null ? new FsInfo(fsid, (int) lease.toSeconds(), maxIo, maxIo, new int[0], 0)
                : new FsInfo(fsid, (int) lease.toSeconds(), maxIo, maxIo, new int[] {Nfs4.LAYOUT4_NFSV4_1_FILES},
                        LayoutTemplate.DEFAULT.entries().get(0).stripeSize());
        context = new ServerContext(md, io, state, new AttrEncoder(fs, ids), ids, exports, new FileHandles(fsid), root,
                unlinked, owner, owner, List.of(new ImplId4("nacre.io", "Nacre NFSv4.1", new NfsTime4(0, 0))), maxIo);
        if (pnfs != null) {
            byte[] secret = pnfs.secret() != null ? pnfs.secret() : DsHandles.clusterSecret(md);
            MetadataServerRole role = new MetadataServerRole(fsid, pnfs, secret, state);
            ServerContext withPnfs = context.withPnfs(role).withOstCalls(new OstCalls(pnfs.glimpseTimeout()));
            // a file unlinked while open keeps its objects until its last close: its layouts are recalled then
            unlinked.removeThrough((fid, remove) -> role.recallThen(withPnfs, fid,
                    "removal of a file unlinked while open", remove));
            context = withPnfs;
        }
        orphansRemoved = false;
        processor = new CompoundProcessor(context);
        try {
            rpc = serve(processor, bindAddress, port);
        } catch (IOException | RuntimeException e) {
            reaper.shutdownNow();
            throw e;
        }
        state.serving();
        long period = Math.max(1000, lease.toMillis() / 4);
        reaper.scheduleWithFixedDelay(this::reap, period, period, TimeUnit.MILLISECONDS);
        reaper.scheduleWithFixedDelay(processor::reportSlow, 10, 10, TimeUnit.SECONDS);
    }

    /** A new instance number, never 0 (which stands for none). */
    private static long instance() {
        long i;
        do {
            i = new SecureRandom().nextLong();
        } while (i == 0);
        return i;
    }

    /** Starts the RPC service of NFS version 4 for a compound processor (the data server has its own). */
    public static RpcServer serve(CompoundProcessor processor, String bindAddress, int port) throws IOException {
        ExecutorService workers = requestWorkers();
        return RpcServer.start("nacre-nfs", bindAddress, port, new Nfs4Program(processor, workers), workers);
    }

    /** The threads compounds run on (see {@link RequestWorkers}: platform threads, none spinning while idle). */
    static ExecutorService requestWorkers() {
        return new RequestWorkers("nfs-worker-", 60, TimeUnit.SECONDS);
    }

    private void reap() {
        try {
            context.unlinked().release(context.state().expireLeases());
            context.unlinked().release(context.state().drainReleased());
            context.unlinked().settleAll();
            for (Fid f : context.state().drainUnlocked()) {
                LockWaiters.notify(context, f);
            }
            if (!orphansRemoved && !context.state().inGrace()) {
                context.unlinked().removeOrphans();
                orphansRemoved = true;
            }
        } catch (RuntimeException e) {
            LOG.warn("lease reaper: {}", e.toString());
        }
    }

    public InetSocketAddress address() {
        return rpc.address();
    }

    /** The wiring, for tests that drive the state of a running server. */
    public ServerContext context() {
        return context;
    }

    /**
     * Stops serving. A named gateway's marks of files closed within the hold go first (bounded by
     * {@link #UNMARKS_AT_STOP}: an MDS that is gone leaves them to this gateway's next start, which drops its
     * earlier instances' marks after its grace, as after a crash); the marks of files still open stay for the
     * clients' reclaims.
     */
    @Override
    public void close() {
        try {
            if (rpc != null) {
                rpc.close();
            }
        } catch (IOException e) {
            LOG.warn("stopping the RPC service: {}", e.toString());
        }
        if (reaper != null) {
            if (context != null && rpc != null) {
                flushUnmarks();
            }
            reaper.shutdownNow();
        }
    }

    /** How long a stop waits for the unmarks of closed files (the MDS's own timeout is longer). */
    static final Duration UNMARKS_AT_STOP = Duration.ofSeconds(5);

    private void flushUnmarks() {
        UnlinkedFiles unlinked = context.unlinked();
        try {
            reaper.submit(unlinked::flushUnmarks).get(UNMARKS_AT_STOP.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException | RejectedExecutionException e) {
            LOG.warn("open marks of closed files left to the next start: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
