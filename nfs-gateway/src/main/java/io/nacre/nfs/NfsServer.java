package io.nacre.nfs;

import static java.util.Objects.requireNonNull;

import io.nacre.engine.Fid;
import io.nacre.engine.io.FileIo;
import io.nacre.engine.io.OpenFiles;
import io.nacre.engine.meta.MetadataService;
import io.nacre.nfs.export.ExportTable;
import io.nacre.nfs.v41.NfsService;
import io.nacre.nfs.v41.ServerContext;
import io.nacre.nfs.v41.pnfs.MetadataServerRole;
import io.nacre.nfs.v41.pnfs.PnfsOptions;
import io.nacre.nfs.v41.attr.IdMapper;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Nacre's NFSv4.1 server: serves the namespace of a {@link MetadataService} with data through a
 * {@link FileIo}, to the clients its {@link ExportTable} admits. Build, {@link #start()}, {@link #close()}:
 *
 * <pre>
 * NfsServer nfs = NfsServer.builder(mds, fileIo).bindAddress("127.0.0.1").port(2049)
 *         .exports(ExportTable.parse("/ 127.0.0.1(rw,no_root_squash)")).build().start();
 * </pre>
 */
public final class NfsServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NfsServer.class);

    /** The NFS port. */
    public static final int DEFAULT_PORT = 2049;

    private final NfsService service;
    private volatile boolean started;

    private NfsServer(Builder b) {
        this.service = new NfsService(b.md, b.io, b.exports, b.ids, b.lease, b.maxIo, b.bindAddress, b.port);
        if (b.pnfs != null) {
            service.pnfs(b.pnfs);
        }
        service.gateway(b.gateway);
    }

    public static Builder builder(MetadataService md, FileIo io) {
        return new Builder(md, io);
    }

    /** Binds the port and starts serving; returns this. */
    public NfsServer start() throws IOException {
        service.start();
        started = true;
        LOG.info("NFSv4.1 server on {}", address());
        return this;
    }

    /** The address the server listens on (the port chosen when 0 was asked). */
    public InetSocketAddress address() {
        return service.address();
    }

    public int port() {
        return address().getPort();
    }

    /**
     * Recalls every pNFS layout of a file and waits for the clients to return them, at most the recall
     * timeout ({@link PnfsOptions#recallTimeout}); layouts are refused until the result is closed. Not returned
     * by then: a NacreException with {@link io.nacre.engine.Status#DELAY}, and the recall goes on (a layout not
     * returned within a lease is revoked), so the caller may try again. For changes made outside NFS that move a
     * file's bytes: restripe and HSM release call it around the change. Without pNFS it does nothing.
     */
    public MetadataServerRole.Recall recallLayouts(Fid fid, String why) {
        ServerContext ctx = service.context();
        return ctx.pnfs() instanceof MetadataServerRole r ? r.recallFor(ctx, fid, why) : MetadataServerRole.Recall.NONE;
    }

    /**
     * The files this server keeps because they were removed while open (see {@link OpenFiles}):
     * given to the {@link FileIo} the other gateways of the process remove and replace names through, so that a
     * file an NFS client has open outlives a DELETE over S3 or a `nacre rm` until the client closes it.
     */
    public OpenFiles openFiles() {
        return service.context().unlinked();
    }

    @Override
    public void close() {
        if (started) {
            service.close();
            started = false;
        }
    }

    /** Knobs of an NFS server; defaults: 127.0.0.1:2049, every client rw root-squashed, 90 s lease, 1 MiB I/O. */
    public static final class Builder {
        private final MetadataService md;
        private final FileIo io;
        private String bindAddress = "127.0.0.1";
        private int port = DEFAULT_PORT;
        private ExportTable exports = ExportTable.everyone();
        private IdMapper ids = IdMapper.fromFiles(Path.of("/etc/passwd"), Path.of("/etc/group"));
        private Duration lease = Duration.ofSeconds(90);
        private int maxIo = 1024 * 1024;
        private PnfsOptions pnfs;
        private String gateway;

        private Builder(MetadataService md, FileIo io) {
            this.md = requireNonNull(md, "md");
            this.io = requireNonNull(io, "io");
        }

        public Builder bindAddress(String address) {
            bindAddress = requireNonNull(address, "address");
            return this;
        }

        /** The TCP port; 0 picks a free one (see {@link NfsServer#port()}). */
        public Builder port(int p) {
            port = ServerLimits.port(p);
            return this;
        }

        public Builder exports(ExportTable table) {
            exports = requireNonNull(table, "table");
            return this;
        }

        /** How owner names that are not numeric map to ids (default: /etc/passwd and /etc/group). */
        public Builder idMapper(IdMapper mapper) {
            ids = requireNonNull(mapper, "mapper");
            return this;
        }

        /** The lease: how long a silent client keeps its state, and the grace period after a restart. */
        public Builder leaseTime(Duration d) {
            lease = ServerLimits.lease(d);
            return this;
        }

        /** The largest READ and WRITE offered to clients (rsize/wsize). */
        public Builder maxIoSize(int bytes) {
            maxIo = ServerLimits.ioSize(bytes);
            return this;
        }

        /** Serves as a pNFS metadata server: file layouts over the data servers these options name. */
        public Builder pnfs(PnfsOptions options) {
            pnfs = requireNonNull(options, "options");
            return this;
        }

        /**
         * Names this gateway when several serve one file system (a cluster's nodes: the node id), 1 to 64 of
         * [A-Za-z0-9_.-]. Each named gateway keeps its own clients' recovery records (its grace period waits
         * only for them) and marks the files its clients have open on the MDS under its name, so that a file
         * removed anywhere while open here lives on until its last close here (a restart drops only its own
         * earlier marks, not another gateway's). Unnamed (the default): the file system's only gateway, which
         * keeps files removed while open itself. The name must stay the same across restarts.
         */
        public Builder gatewayName(String name) {
            requireNonNull(name, "name");
            if (!name.matches("[A-Za-z0-9_.-]{1,64}")) {
                throw new IllegalArgumentException("a gateway name is 1 to 64 of [A-Za-z0-9_.-]: '" + name + "'");
            }
            gateway = name;
            return this;
        }

        public NfsServer build() {
            return new NfsServer(this);
        }
    }
}
