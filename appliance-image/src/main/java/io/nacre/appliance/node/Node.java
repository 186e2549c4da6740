package io.nacre.appliance.node;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nacre.appliance.admin.AdminJson;
import io.nacre.appliance.admin.AdminOps;
import io.nacre.appliance.admin.AdminService;
import io.nacre.appliance.admin.HsmAdmin;
import io.nacre.appliance.admin.HsmJson;
import io.nacre.appliance.admin.OssAdmin;
import io.nacre.appliance.hsm.ClusterSecret;
import io.nacre.appliance.hsm.HsmRole;
import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.io.Destroyer;
import io.nacre.engine.io.FileIo;
import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.store.ObjectStore;
import io.nacre.engine.store.OstInfo;
import io.nacre.meta.MetadataClient;
import io.nacre.meta.MetadataServer;
import io.nacre.nfs.NfsServer;
import io.nacre.nfs.ds.DataServer;
import io.nacre.nfs.v41.pnfs.DsHandles;
import io.nacre.nfs.v41.pnfs.LayoutFence;
import io.nacre.nfs.v41.pnfs.PnfsOptions;
import io.nacre.ost.LocalObjectStore;
import io.nacre.ost.Ost;
import io.nacre.ost.OstOptions;
import io.nacre.ost.RoutingObjectStore;
import io.nacre.ost.oss.OssServer;
import io.nacre.s3.S3Server;
import io.nacre.s3.auth.KeyStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every role of Nacre in one process (the embedded default of {@code nacre up}): the MDS as a one-peer
 * Raft group, the OSTs under the data directory, FileIo and the destroyer over them, the S3 and NFSv4.1
 * gateways, and the admin endpoint. Closing stops them in reverse order.
 */
public final class Node implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Node.class);
    /** The one-peer MDS serves this process only: its Raft port is not for the network. */
    private static final String MDS_BIND = "127.0.0.1";
    private static final Duration STARTUP_WAIT = Duration.ofMinutes(5);

    private final NodeOptions options;
    private final Started toClose = new Started();
    private final List<Ost> osts = new ArrayList<>();
    private MetadataServer mdsServer;
    private MetadataService mds;
    private ObjectStore objects;
    private FileIo io;
    private Server adminServer;
    private S3Server s3;
    private NfsServer nfs;
    private DataServer dataServer;
    private KeyStore keys;
    private PrometheusMeterRegistry metrics;
    private OssServer oss;
    private HsmRole hsm;
    private OssNodes ossNodes;

    private Node(NodeOptions options) {
        this.options = options;
    }

    /** Starts every role; on failure, stops what was started and rethrows. */
    public static Node start(NodeOptions options) {
        Node n = new Node(requireNonNull(options, "options"));
        try {
            n.startAll();
            return n;
        } catch (RuntimeException | Error e) {
            n.close();
            throw e;
        }
    }

    private void startAll() {
        Path data = Started.dataDir(options.dataDir());
        for (int i = 0; i < options.ostCount(); i++) {
            Ost ost = Ost.open(data.resolve("ost").resolve("OST%04x".formatted(i)), i, OstOptions.defaults());
            osts.add(ost);
            toClose.push(ost);
        }
        LocalObjectStore local = new LocalObjectStore(osts);
        Map<Integer, ObjectStore> localRoutes = new LinkedHashMap<>();
        osts.forEach(o -> localRoutes.put(o.index(), local));
        // this node's OSTs, and those of OSS nodes that join (routed as they do)
        RoutingObjectStore store = new RoutingObjectStore(localRoutes);
        objects = store;

        mdsServer = MetadataServer.builder()
                .dataDir(data.resolve("mdt"))
                .address(MDS_BIND + ":" + options.mdsPort())
                .objectStore(store)
                .build()
                .start();
        toClose.push(mdsServer);
        // The peer was started just above: its first election and format can take a minute on a slow or
        // emulated machine (a TCG guest), which is no reason to fail the start.
        MetadataClient client = MetadataClient.builder().peers(mdsServer.peers()).startupWait(STARTUP_WAIT).build();
        toClose.push(client);
        mds = client;
        refuseUnservedLocalOsts();
        for (Ost ost : osts) {
            ost.bindFilesystem(mds.fsid());
            OstInfo info = ost.info();
            if (!mds.osts().contains(info)) {
                mds.registerOst(info);
            }
        }

        byte[] dsSecret = DsHandles.clusterSecret(mds);
        LayoutFence fence = new LayoutFence();
        ossNodes = new OssNodes(mds, store, localRoutes.keySet(), ClusterSecret.load(data), dsSecret, fence);
        toClose.push(ossNodes);
        ossNodes.routeKnown();

        io = new FileIo(mds, objects);
        toClose.push(io);
        Destroyer destroyer = new Destroyer(io);
        // Punches queued by truncates that a crash interrupted must land before any new write can.
        destroyer.runOnce();
        destroyer.start();
        toClose.push(destroyer);

        keys = KeyStore.open(data);
        s3 = S3Server.builder()
                .bind(new InetSocketAddress(options.bind(), options.s3Port()))
                .metadata(mds)
                .fileIo(io)
                .keys(keys)
                .virtualHostDomain(options.s3Domain())
                .restoreWait(options.hsm().s3RestoreWait())
                .build()
                .start();
        toClose.push(s3);

        NfsOptions nfsOptions = options.nfs();
        NfsServer.Builder nfsBuilder = NfsServer.builder(mds, io)
                .bindAddress(options.bind())
                .port(nfsOptions.port())
                .exports(nfsOptions.exports())
                .leaseTime(nfsOptions.lease());
        if (nfsOptions.pnfs()) {
            nfsBuilder.pnfs(startDataServer(nfsOptions, localRoutes.keySet(), dsSecret, fence));
        }
        NfsServer server = nfsBuilder.build();
        try {
            nfs = server.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve NFS on " + options.bind() + ":" + nfsOptions.port()
                    + " (--nfs-port moves it): " + e.getMessage(), e);
        }
        toClose.push(nfs);
        if (nfsOptions.pnfs()) {
            // HSM release drops a file's OST objects: pNFS clients writing straight to them give the layout back first
            io.layoutGuard((fid, why) -> nfs.recallLayouts(fid, why)::close);
        }

        // The OSTs for other processes of this instance (a `nacre copytool`), signed with the cluster secret.
        oss = OssServer.builder(store).address(new InetSocketAddress(options.bind(), 0))
                .secret(ClusterSecret.load(data)).build().start();
        toClose.push(oss);
        if (!options.hsm().isEmpty()) {
            hsm = HsmRole.start(mds, io, objects, options.hsm(), true);
            toClose.push(hsm);
        }

        metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(metrics);
        new JvmGcMetrics().bindTo(metrics);
        new JvmThreadMetrics().bindTo(metrics);
        new ProcessorMetrics().bindTo(metrics);
        for (Ost ost : osts) {
            Gauge.builder("nacre_ost_bytes_used", ost, o -> o.usage().bytesUsed())
                    .tag("ost", ost.info().name()).register(metrics);
            Gauge.builder("nacre_ost_bytes_free", ost, o -> o.usage().bytesFree())
                    .tag("ost", ost.info().name()).register(metrics);
            Gauge.builder("nacre_ost_objects", ost, o -> o.usage().objects())
                    .tag("ost", ost.info().name()).register(metrics);
        }

        AdminOps adminOps = new AdminOps(mds, objects, io);
        AdminService admin = new AdminService(adminOps, this::health, metrics::scrape);
        toClose.push(admin);
        HsmAdmin hsmAdmin = new HsmAdmin(adminOps, objects, () -> hsm, this::cluster);
        toClose.push(hsmAdmin);
        OssAdmin ossAdmin = new OssAdmin(ossNodes::cluster, ossNodes::join, ossNodes::nodes);
        toClose.push(ossAdmin);
        ServerBuilder sb = com.linecorp.armeria.server.Server.builder()
                .http(new InetSocketAddress(options.bind(), options.adminPort()))
                // A verb waits as long as the metadata service may (its client gives up after 30 s with a clear
                // error); Armeria's 10 s default answered 503 to a setstripe on a busy emulated guest.
                .requestTimeout(Duration.ofMinutes(2))
                .gracefulShutdownTimeout(Duration.ZERO, Duration.ofSeconds(5));
        admin.addTo(sb);
        hsmAdmin.addTo(sb);
        ossAdmin.addTo(sb);
        adminServer = sb.build();
        adminServer.start().join();
        toClose.push(() -> adminServer.stop().join());
        LOG.info("nacre node up: data {}, admin {}", data, adminUri());
    }

    /**
     * OSTs an earlier run of this node served itself (registered without an OSS address) stay this node's to
     * serve: they hold file data, and no OSS node may join with their indexes. Started with fewer OSTs
     * ({@code --osts 0} for an MDS-only node, say), the node would route none of them and their files would
     * fail with no clear cause, so it refuses to start and says what to pass.
     */
    private void refuseUnservedLocalOsts() {
        List<OstInfo> left = mds.osts().stream()
                .filter(i -> i.node().isEmpty() && i.index() >= options.ostCount())
                .sorted(java.util.Comparator.comparingInt(OstInfo::index))
                .toList();
        if (!left.isEmpty()) {
            int needed = left.get(left.size() - 1).index() + 1;
            String names = left.stream().map(OstInfo::name).collect(java.util.stream.Collectors.joining(", "));
            throw new NacreException(Status.INVALID, names + " of " + options.dataDir()
                    + ": served by this node in an earlier run (files may have data on them); --osts " + options.ostCount()
                    + " leaves " + (left.size() == 1 ? "it" : "them")
                    + " unserved: start with --osts " + needed);
        }
    }

    /**
     * The pNFS data server over the OSTs of this node (none when it has none: every OST is on an OSS node
     * with its own), sharing revocations with the MDS role; returns the options that make the MDS hand out
     * layouts naming it for its OSTs, and the joined OSS nodes' data servers for theirs.
     */
    private PnfsOptions startDataServer(NfsOptions nfsOptions, Set<Integer> local, byte[] secret, LayoutFence fence) {
        InetSocketAddress at = null;
        if (!local.isEmpty()) {
            dataServer = NodeDataServer.start(objects, mds.fsid(), secret, options.bind(), nfsOptions.dsPort(),
                    nfsOptions.exports(), nfsOptions.lease(), fence);
            toClose.push(dataServer);
            at = NodeDataServer.advertised(dataServer);
            if (!at.equals(dataServer.address())) {
                LOG.warn("pNFS: --bind {} is a wildcard; layouts name the data server as {}", options.bind(), at);
            }
        }
        Set<Integer> mine = Set.copyOf(local);
        List<InetSocketAddress> here = at == null ? List.of() : List.of(at);
        OssNodes joined = ossNodes;
        return new PnfsOptions(ost -> mine.contains(ost) ? here : joined.dataServer(ost), secret,
                Duration.ofSeconds(10), fence);
    }

    /** Each role's state: "ok", or what is wrong. */
    public AdminJson.Health health() {
        Map<String, String> roles = new LinkedHashMap<>();
        roles.put("mds", probe(() -> mds.getattr(Fid.ROOT)));
        roles.put("s3", s3 != null && s3.port() > 0 ? "ok" : "not running");
        roles.put("nfs", nfs != null ? "ok" : "not running");
        if (options.nfs().pnfs() && !osts.isEmpty()) {
            roles.put("nfs-ds", dataServer != null ? "ok" : "not running");
        }
        for (Ost ost : osts) {
            roles.put(ost.info().name(), probe(ost::usage));
        }
        boolean ok = roles.values().stream().allMatch("ok"::equals);
        return new AdminJson.Health(ok ? "ok" : "degraded", roles);
    }

    private static String probe(Runnable r) {
        try {
            r.run();
            return "ok";
        } catch (RuntimeException e) {
            return "failing: " + e.getMessage();
        }
    }

    public MetadataService metadata() {
        return mds;
    }

    public ObjectStore objects() {
        return objects;
    }

    public FileIo fileIo() {
        return io;
    }

    public List<Ost> osts() {
        return List.copyOf(osts);
    }

    /** The HSM roles running here, or null when no archive or policy is configured. */
    public HsmRole hsm() {
        return hsm;
    }

    /** Where another process reaches this instance's MDS and OSTs (and the secret to sign OSS requests). */
    public HsmJson.Cluster cluster() {
        return new HsmJson.Cluster(mdsServer.peers().stream().map(p -> p.id() + "=" + p.address())
                .collect(java.util.stream.Collectors.joining(",")), oss.uri().toString(),
                java.util.HexFormat.of().formatHex(ClusterSecret.load(options.dataDir().toAbsolutePath())));
    }

    public String mdsAddress() {
        return mdsServer.peer().address();
    }

    /** The S3 endpoint, e.g. http://127.0.0.1:9000. */
    public String s3Uri() {
        return "http://" + options.bind() + ":" + s3.port();
    }

    /** The S3 access keys (under the data directory). */
    public KeyStore keys() {
        return keys;
    }

    /** The NFSv4.1 server's port (2049 by default). */
    public int nfsPort() {
        return nfs.port();
    }

    /** The pNFS data server's port, or -1 when pNFS is off. */
    public int nfsDataServerPort() {
        return dataServer == null ? -1 : dataServer.address().getPort();
    }

    /** The NFS server (its {@link NfsServer#recallLayouts} for changes made outside NFS). */
    public NfsServer nfs() {
        return nfs;
    }

    /** Where S3 listens (the port chosen when 0 was asked). */
    public InetSocketAddress s3Address() {
        return asBound(s3.address());
    }

    /** Where NFSv4.1 listens. */
    public InetSocketAddress nfsAddress() {
        return asBound(nfs.address());
    }

    /** Where the pNFS data server listens, or null when pNFS is off. */
    public InetSocketAddress nfsDataServerAddress() {
        return dataServer == null ? null : asBound(dataServer.address());
    }

    /** Where the admin endpoint listens. */
    public InetSocketAddress adminAddress() {
        return asBound(adminServer.activePort().localAddress());
    }

    /**
     * A listener's address, a wildcard as --bind gave it: a socket bound to 0.0.0.0 may report itself as ::
     * (Netty's epoll sockets are IPv6 ones), and the user's 0.0.0.0 means this machine's IPv4 addresses.
     */
    private InetSocketAddress asBound(InetSocketAddress actual) {
        return actual.getAddress().isAnyLocalAddress() ? new InetSocketAddress(options.bind(), actual.getPort()) : actual;
    }

    /** Where the OSS serves this node's OSTs to other processes of the instance. */
    public InetSocketAddress ossAddress() {
        return new InetSocketAddress(options.bind(), oss.port());
    }

    /** The admin endpoint, e.g. http://127.0.0.1:9001. */
    public String adminUri() {
        return "http://" + options.bind() + ":" + adminServer.activeLocalPort();
    }

    @Override
    public void close() {
        toClose.close();
    }
}
