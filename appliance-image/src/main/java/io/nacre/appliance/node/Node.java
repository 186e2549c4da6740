package io.nacre.appliance.node;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
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
import io.nacre.engine.io.OpenFiles;
import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.store.ObjectStore;
import io.nacre.engine.store.OstInfo;
import io.nacre.meta.MetadataClient;
import io.nacre.meta.MetadataServer;
import io.nacre.meta.Peer;
import io.nacre.nfs.NfsServer;
import io.nacre.nfs.ds.DataServer;
import io.nacre.nfs.v41.pnfs.DsHandles;
import io.nacre.nfs.v41.pnfs.LayoutFence;
import io.nacre.nfs.v41.pnfs.PnfsOptions;
import io.nacre.nfs.v41.xdr.IoBuffers;
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
import java.net.URI;
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
 * gateways, and the admin endpoint. Closing stops them in reverse order. As one node of a cluster
 * ({@link ClusterOptions}) it runs the roles it was given: an MDS peer of the cluster's Raft group, its OSTs
 * (registered in the namespace under its OSS address, so every node routes to them), and gateways over a
 * metadata client of the whole group.
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
    private List<Peer> peers;
    private byte[] secret;

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
        ClusterOptions cluster = options.cluster();
        int firstOst = cluster == null ? 0 : cluster.firstOst();
        int ostCount = runs("ost") ? options.ostCount() : 0;
        // A cluster node's OSTs are in a pool named after it: `setstripe -p NODE` keeps a directory on one node.
        OstOptions ostOptions = cluster == null ? OstOptions.defaults()
                : OstOptions.builder().pools(Set.of(cluster.nodeId())).build();
        toClose.openOsts(data, firstOst, ostCount, ostOptions, osts);
        LocalObjectStore local = new LocalObjectStore(osts);
        Map<Integer, ObjectStore> localRoutes = new LinkedHashMap<>();
        osts.forEach(o -> localRoutes.put(o.index(), local));
        // this node's OSTs, and those of OSS nodes that join (routed as they do)
        RoutingObjectStore store = new RoutingObjectStore(localRoutes);
        objects = store;
        secret = cluster == null ? ClusterSecret.load(data) : cluster.secret();

        // The OSTs for other processes of this instance (a `nacre copytool`) and, in a cluster, for the other
        // nodes, signed with the cluster secret.
        int ossPort = cluster == null ? 0 : cluster.ossPort();
        oss = OssServer.builder(store).address(new InetSocketAddress(options.bind(), ossPort)).secret(secret).build()
                .start();
        toClose.push(oss);
        toClose.stopEarly(oss::closeAsync);

        if (cluster == null) {
            mdsServer = MetadataServer.builder()
                    .dataDir(data.resolve("mdt"))
                    .address(MDS_BIND + ":" + options.mdsPort())
                    .objectStore(store)
                    .build()
                    .start();
            toClose.push(mdsServer);
            peers = mdsServer.peers();
        } else {
            if (cluster.runs("mds")) {
                mdsServer = MetadataServer.builder()
                        .dataDir(data.resolve("mdt"))
                        .cluster(cluster.name())
                        .peerId(cluster.nodeId())
                        .peers(cluster.peers())
                        .objectStore(store)
                        .build()
                        .start();
                toClose.push(mdsServer);
            }
            peers = cluster.peers();
        }
        // The peer was started just above: its first election and format can take a minute on a slow or
        // emulated machine (a TCG guest), which is no reason to fail the start. The peers of a cluster may
        // start in any order: the first format waits for a majority.
        MetadataClient.Builder mdc = MetadataClient.builder().peers(peers).startupWait(STARTUP_WAIT);
        if (cluster != null) {
            mdc.cluster(cluster.name());
        }
        MetadataClient client = mdc.build();
        toClose.push(client);
        mds = client;
        String ossNode = cluster == null ? "" : ossUri().toString();
        for (Ost ost : osts) {
            ost.bindFilesystem(mds.fsid());
            OstInfo info = new OstInfo(ost.index(), ost.info().pools(), ossNode);
            List<OstInfo> known = mds.osts();
            for (OstInfo k : known) {
                if (k.index() == info.index() && cluster != null && !k.node().isEmpty() && !k.node().equals(ossNode)) {
                    throw new NacreException(Status.EXISTS, info.name() + " of the cluster is served by the node at "
                            + k.node() + ", not by this one (" + ossNode + "): give each node its own OST indexes"
                            + " (--first-ost), and a node the same --advertise address and --oss-port at every start");
                }
            }
            if (!known.contains(info)) {
                mds.registerOst(info);
            }
        }
        refuseUnservedOsts(ossNode, localRoutes.keySet(), ostCount, firstOst);

        byte[] dsSecret = DsHandles.clusterSecret(mds);
        LayoutFence fence = new LayoutFence();
        ossNodes = new OssNodes(mds, store, localRoutes.keySet(), secret, dsSecret, fence);
        toClose.push(ossNodes);
        ossNodes.routeKnown();
        if (cluster != null) {
            // the OSTs of the other nodes, registered in the namespace as they start (or move)
            ossNodes.routeKnownEvery(Duration.ofSeconds(2));
        }

        io = new FileIo(mds, objects);
        toClose.push(io);
        Destroyer destroyer = new Destroyer(io);
        // Punches queued by truncates that a crash interrupted must land before any new write can.
        destroyer.runOnce();
        if (cluster == null) {
            // a restripe interrupted between its copy and its swap left a staged copy: its objects are freed
            // (restripes are refused in a cluster, where another node's could be under way)
            io.sweepMigrations();
        }
        // In a cluster one node drains the queue in the background, the first peer's: a destroyer elsewhere
        // would race the truncates of the other nodes' gateways (its file lock is this process's only).
        if (cluster == null || cluster.peers().get(0).id().equals(cluster.nodeId())) {
            destroyer.start();
        }
        toClose.push(destroyer);

        if (runs("s3")) {
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
            toClose.stopEarly(s3::stopAsync);
        }
        if (runs("nfs")) {
            startNfs(dsSecret, fence, localRoutes.keySet());
        }

        if (!options.hsm().isEmpty()) {
            hsm = HsmRole.start(mds, io, objects, options.hsm(), true);
            toClose.push(hsm);
        }

        metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(metrics);
        new JvmGcMetrics().bindTo(metrics);
        new JvmThreadMetrics().bindTo(metrics);
        new ProcessorMetrics().bindTo(metrics);
        if (mdsServer != null) {
            Gauge.builder("nacre_mds_leader", mdsServer, m -> m.isLeader() ? 1 : 0)
                    .description("1 when this node's MDS peer leads the Raft group").register(metrics);
        }
        if (nfs != null || dataServer != null) {
            // process-wide, as the pool is: the NFS gateway's READs and the pNFS data server's share it, and
            // the large WRITE requests both read
            Gauge.builder("nacre_nfs_read_buffers_lent", IoBuffers::readBuffersLent)
                    .description("Direct buffers of READ replies and large WRITE requests lent out now (0 when"
                            + " every READ reply was written and every WRITE done)")
                    .register(metrics);
            Gauge.builder("nacre_nfs_read_buffers_max", IoBuffers::readBuffersMax)
                    .description("The most direct READ and WRITE buffers that may exist at once"
                            + " (nacre.nfs.read.buffers)")
                    .register(metrics);
        }
        for (Ost ost : osts) {
            Gauge.builder("nacre_ost_bytes_used", ost, o -> o.usage().bytesUsed())
                    .tag("ost", ost.info().name()).register(metrics);
            Gauge.builder("nacre_ost_bytes_free", ost, o -> o.usage().bytesFree())
                    .tag("ost", ost.info().name()).register(metrics);
            Gauge.builder("nacre_ost_objects", ost, o -> o.usage().objects())
                    .tag("ost", ost.info().name()).register(metrics);
        }

        // A restripe is safe against this process's writers only: in a cluster another node's gateway could
        // write through the old layout around the swap, and that data would be lost.
        AdminOps adminOps = new AdminOps(mds, objects, io, cluster == null ? null
                : "restriping is not supported in a cluster yet (gateways on other nodes could write through the old layout)");
        AdminService admin = new AdminService(adminOps, this::health, metrics::scrape);
        toClose.push(admin);
        HsmAdmin hsmAdmin = new HsmAdmin(adminOps, objects, () -> hsm, this::cluster);
        toClose.push(hsmAdmin);
        OssAdmin ossAdmin = new OssAdmin(ossNodes::cluster, ossNodes::join, ossNodes::nodes,
                cluster == null ? null : secret);
        toClose.push(ossAdmin);
        ServerBuilder sb = com.linecorp.armeria.server.Server.builder()
                .http(new InetSocketAddress(options.bind(), options.adminPort()))
                // A verb waits as long as the metadata service may (its client gives up after 30 s with a clear
                // error); Armeria's 10 s default answered 503 to a setstripe on a busy emulated guest.
                .requestTimeout(Duration.ofMinutes(2))
                // Armeria's meters of the admin server go nowhere: in the default registry they clashed with the
                // S3 gateway's (the same common blocking executor, registered twice: a WARN per start).
                .meterRegistry(new CompositeMeterRegistry())
                .gracefulShutdownTimeout(Duration.ZERO, Duration.ofSeconds(5));
        admin.addTo(sb);
        hsmAdmin.addTo(sb);
        ossAdmin.addTo(sb);
        adminServer = sb.build();
        adminServer.start().join();
        toClose.push(() -> adminServer.stop().join());
        toClose.stopEarly(adminServer::stop);
        LOG.info("nacre node up: data {}, admin {}", data, adminUri());
    }

    private void startNfs(byte[] dsSecret, LayoutFence fence, Set<Integer> local) {
        NfsOptions nfsOptions = options.nfs();
        NfsServer.Builder nfsBuilder = NfsServer.builder(mds, io)
                .bindAddress(options.bind())
                .port(nfsOptions.port())
                .exports(nfsOptions.exports())
                .leaseTime(nfsOptions.lease());
        if (options.cluster() != null) {
            // each node's gateway keeps its own recovery records, and marks its open files on the MDS under its
            // name: a file removed through any node while a client here has it open lives on until its last close
            nfsBuilder.gatewayName(options.cluster().nodeId());
        }
        if (nfsOptions.pnfs()) {
            nfsBuilder.pnfs(startDataServer(nfsOptions, local, dsSecret, fence));
        }
        NfsServer server = nfsBuilder.build();
        try {
            nfs = server.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve NFS on " + options.bind() + ":" + nfsOptions.port()
                    + " (--nfs-port moves it): " + e.getMessage(), e);
        }
        toClose.push(nfs);
        // a DELETE over S3 or `nacre rm` of a file an NFS client has open leaves it to the client until its close
        // (a named gateway's marks on the MDS do that for it, whichever node removes the name)
        io.openFiles(nfs.openFiles());
        toClose.push(() -> io.openFiles(OpenFiles.NONE));
        if (nfsOptions.pnfs()) {
            // HSM release and restripe drop a file's OST objects: pNFS clients writing straight to them give the
            // layout back first
            io.layoutGuard((fid, why) -> nfs.recallLayouts(fid, why)::close);
        }
    }

    /**
     * OSTs the file system has on this node (registered with this node's OSS address, empty for an
     * all-in-one node) stay this node's to serve: they hold file data. A start that would serve fewer (fewer
     * {@code --osts}, another {@code --first-ost}) would route none of them and their files would fail with
     * no clear cause, so it is refused in one line that names them and says what to pass; nothing changes.
     */
    private void refuseUnservedOsts(String ossNode, Set<Integer> served, int ostCount, int firstOst) {
        List<OstInfo> left = mds.osts().stream()
                .filter(k -> k.node().equals(ossNode) && !served.contains(k.index()))
                .sorted(java.util.Comparator.comparingInt(OstInfo::index))
                .toList();
        if (left.isEmpty()) {
            return;
        }
        String names = left.stream().map(OstInfo::name).collect(java.util.stream.Collectors.joining(", "));
        int needed = left.get(left.size() - 1).index() + 1 - firstOst;
        throw new NacreException(Status.INVALID, names + " of " + options.dataDir() + ": the file system has "
                + (left.size() == 1 ? "it" : "them") + " on this node, which this start would not serve (--osts " + ostCount
                + ", --first-ost " + firstOst + "): files striped on " + (left.size() == 1 ? "it" : "them")
                + " would be unreadable; start with --osts " + needed);
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
        if (mdsServer != null && options.cluster() != null) {
            roles.put("mds-peer", mdsServer.isLeader() ? "ok" : probe(() -> mds.getattr(Fid.ROOT)));
        }
        if (runs("s3")) {
            roles.put("s3", s3 != null && s3.port() > 0 ? "ok" : "not running");
        }
        if (runs("nfs")) {
            roles.put("nfs", nfs != null ? "ok" : "not running");
        }
        if (runs("nfs") && options.nfs().pnfs() && !osts.isEmpty()) {
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
        return new HsmJson.Cluster(peers.stream().map(Peer::toString)
                .collect(java.util.stream.Collectors.joining(",")), ossUri().toString(),
                java.util.HexFormat.of().formatHex(secret),
                options.cluster() == null ? null : options.cluster().name());
    }

    /** This node's MDS peer address, or null when it runs no MDS peer (a cluster node without the mds role). */
    public String mdsAddress() {
        return mdsServer == null ? null : mdsServer.peer().address();
    }

    /** The MDS peers this node's metadata client talks to. */
    public List<Peer> mdsPeers() {
        return peers;
    }

    /** Whether this node runs a role ({@link ClusterOptions#ROLES}); the embedded default runs them all. */
    public boolean runs(String role) {
        return options.cluster() == null || options.cluster().runs(role);
    }

    /** Where the other nodes of a cluster (and copytools) reach this node's OSS. */
    public URI ossUri() {
        String host = options.cluster() != null ? options.cluster().advertise() : options.bind();
        return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + oss.port());
    }

    /** The S3 endpoint, e.g. http://127.0.0.1:9000. */
    public String s3Uri() {
        return s3 == null ? null : "http://" + options.bind() + ":" + s3.port();
    }

    /** The S3 access keys (under the data directory), or null when this node runs no S3 gateway. */
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

    /** Where S3 listens (the port chosen when 0 was asked), or null when this node runs no S3 gateway. */
    public InetSocketAddress s3Address() {
        return s3 == null ? null : asBound(s3.address());
    }

    /** Where NFSv4.1 listens, or null when this node runs no NFS gateway. */
    public InetSocketAddress nfsAddress() {
        return nfs == null ? null : asBound(nfs.address());
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
