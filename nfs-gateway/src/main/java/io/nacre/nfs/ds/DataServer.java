package io.nacre.nfs.ds;

import static java.util.Objects.requireNonNull;

import io.nacre.engine.store.ObjectStore;
import io.nacre.nfs.ServerLimits;
import io.nacre.nfs.export.ExportTable;
import io.nacre.nfs.v41.CompoundProcessor;
import io.nacre.nfs.v41.FileHandles;
import io.nacre.nfs.v41.NfsService;
import io.nacre.nfs.v41.RpcServer;
import io.nacre.nfs.v41.ServerContext;
import io.nacre.nfs.v41.attr.AttrEncoder;
import io.nacre.nfs.v41.attr.FsInfo;
import io.nacre.nfs.v41.attr.IdMapper;
import io.nacre.nfs.v41.pnfs.DsHandles;
import io.nacre.nfs.v41.pnfs.LayoutFence;
import io.nacre.nfs.v41.pnfs.PnfsOptions;
import io.nacre.nfs.v41.state.ClientRecords;
import io.nacre.nfs.v41.state.StateManager;
import io.nacre.nfs.v41.xdr.ImplId4;
import io.nacre.nfs.v41.xdr.NfsTime4;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pNFS data server (RFC 8881 §13.6): NFSv4.1 sessions, and READ, WRITE, COMMIT and GETATTR on the OST
 * objects that data-server filehandles signed by the metadata server name, reached through an
 * {@link ObjectStore} (on an OSS node, its local OSTs). It keeps no file state: clients get layouts,
 * and the right to use them, from the metadata server.
 *
 * <pre>
 * DataServer ds = DataServer.builder(objects, mds.fsid(), DsHandles.clusterSecret(mds)).port(0).build().start();
 * </pre>
 */
public final class DataServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DataServer.class);

    private final Builder b;
    private RpcServer rpc;
    private StateManager state;
    private ScheduledExecutorService reaper;
    private DataServerRole role;

    /**
     * What the data server did since it started: READ, WRITE and COMMIT operations, their bytes, and the requests
     * it answered NFS4ERR_DELAY because its metadata server had not confirmed the revocations lately.
     */
    public record Stats(long reads, long readBytes, long writes, long writeBytes, long commits, long delayed) {
    }

    private DataServer(Builder b) {
        this.b = b;
    }

    public static Builder builder(ObjectStore objects, long fsid, byte[] secret) {
        return new Builder(objects, fsid, secret);
    }

    /** Binds the port and starts serving; returns this. */
    public DataServer start() throws IOException {
        StateManager.Options d = StateManager.Options.defaults();
        state = new StateManager(new SecureRandom().nextInt(), new StateManager.Options(b.lease, d.maxSlots(),
                d.maxOperations(), Math.max(d.maxRequestSize(), b.maxIo + 64 * 1024),
                Math.max(d.maxResponseSize(), b.maxIo + 64 * 1024), d.maxResponseSizeCached(), d.callbackTimeout()),
                ClientRecords.inMemory(), System::nanoTime);
        state.start();
        FsInfo fs = new FsInfo(b.fsid, (int) b.lease.toSeconds(), b.maxIo, b.maxIo, new int[0], 0);
        // its own server owner: a data server does not share state (or sessions) with the metadata server
        byte[] owner = ("nacre-ds:%016x:%s:%d".formatted(b.fsid, b.bindAddress, b.port))
                .getBytes(StandardCharsets.UTF_8);
        byte[] scope = ("nacre:%016x".formatted(b.fsid)).getBytes(StandardCharsets.UTF_8);
        role = new DataServerRole(b.objects, new DsHandles(b.fsid, b.secret), b.fence);
        ServerContext context = new ServerContext(null, null, state, new AttrEncoder(fs, IdMapper.numeric()),
                IdMapper.numeric(), b.exports, new FileHandles(b.fsid), null, null, owner, scope,
                List.of(new ImplId4("nacre.io", "Nacre pNFS data server", new NfsTime4(0, 0))), b.maxIo)
                .withPnfs(role);
        rpc = NfsService.serve(new CompoundProcessor(context, DsOperations::get), b.bindAddress, b.port);
        state.serving();
        long period = Math.max(1000, b.lease.toMillis() / 4);
        reaper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "nfs-ds-lease-reaper");
            t.setDaemon(true);
            return t;
        });
        reaper.scheduleWithFixedDelay(this::reap, period, period, TimeUnit.MILLISECONDS);
        LOG.info("pNFS data server on {}", address());
        return this;
    }

    private void reap() {
        try {
            state.expireLeases();
        } catch (RuntimeException e) {
            LOG.warn("data-server lease reaper: {}", e.toString());
        }
    }

    /** The address the server listens on (the port chosen when 0 was asked). */
    public InetSocketAddress address() {
        return rpc.address();
    }

    /** The operations served so far (zeros before {@link #start()}). */
    public Stats stats() {
        return role == null ? new Stats(0, 0, 0, 0, 0, 0) : role.stats();
    }

    @Override
    public void close() {
        if (role != null && rpc != null) {
            LOG.info("pNFS data server on {} stops after {}", address(), stats());
        }
        if (reaper != null) {
            reaper.shutdownNow();
            reaper = null;
        }
        if (rpc != null) {
            try {
                rpc.close();
            } catch (IOException e) {
                LOG.warn("stopping the data server: {}", e.toString());
            }
            rpc = null;
        }
    }

    /** Knobs of a data server; defaults: 127.0.0.1, an ephemeral port, every client, 90 s lease, 1 MiB I/O. */
    public static final class Builder {
        private final ObjectStore objects;
        private final long fsid;
        private final byte[] secret;
        private String bindAddress = "127.0.0.1";
        private int port;
        private ExportTable exports = ExportTable.everyone();
        private Duration lease = Duration.ofSeconds(90);
        private int maxIo = 1024 * 1024;
        private LayoutFence fence = new LayoutFence();

        private Builder(ObjectStore objects, long fsid, byte[] secret) {
            this.objects = requireNonNull(objects, "objects");
            this.fsid = fsid;
            this.secret = requireNonNull(secret, "secret").clone();
        }

        public Builder bindAddress(String address) {
            bindAddress = requireNonNull(address, "address");
            return this;
        }

        /** The TCP port; 0 (the default) picks a free one. */
        public Builder port(int p) {
            port = ServerLimits.port(p);
            return this;
        }

        /** Which clients may connect (rw/ro applies; squashing does not: objects have no owners). */
        public Builder exports(ExportTable table) {
            exports = requireNonNull(table, "table");
            return this;
        }

        public Builder leaseTime(Duration d) {
            lease = ServerLimits.lease(d);
            return this;
        }

        /** The largest READ and WRITE (the same as the metadata server's). */
        public Builder maxIoSize(int bytes) {
            maxIo = ServerLimits.ioSize(bytes);
            return this;
        }

        /** The revocations of the metadata server of this process ({@link PnfsOptions#fence()}) to honour. */
        public Builder fence(LayoutFence f) {
            fence = requireNonNull(f, "fence");
            return this;
        }

        public DataServer build() {
            return new DataServer(this);
        }
    }
}
