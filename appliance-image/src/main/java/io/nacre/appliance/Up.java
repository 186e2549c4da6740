package io.nacre.appliance;

import io.nacre.appliance.hsm.HsmSettings;
import io.nacre.appliance.node.ClusterOptions;
import io.nacre.appliance.node.NfsOptions;
import io.nacre.appliance.node.Node;
import io.nacre.appliance.node.NodeOptions;
import io.nacre.appliance.node.OssNodeOptions;
import io.nacre.appliance.node.Reach;
import io.nacre.meta.Peer;
import io.nacre.s3.auth.KeyStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code nacre up}: every role in one process, in the foreground until Ctrl-C or SIGTERM; with --peers, the
 * roles of one node of a cluster.
 */
@Command(name = "up", description = {"Run every role of Nacre in one process on the embedded default,",
    "or (--peers) the roles of one node of a cluster."})
final class Up implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--data", paramLabel = "DIR", defaultValue = "${env:NACRE_DATA:-nacre-data}",
            description = "Data directory (default: ${DEFAULT-VALUE}).")
    Path data;

    @Option(names = "--bind", paramLabel = "ADDR", defaultValue = "${env:NACRE_BIND:-127.0.0.1}",
            description = "Address S3, NFS and the admin endpoint listen on; 0.0.0.0 (or ::) for every address"
                    + " of this machine (default: ${DEFAULT-VALUE}). The admin verbs answer local callers only.")
    String bind;

    @Option(names = "--admin-port", paramLabel = "PORT", defaultValue = "" + NodeOptions.DEFAULT_ADMIN_PORT,
            description = "Admin endpoint port (default: ${DEFAULT-VALUE}).")
    int adminPort;

    @Option(names = "--hsm-config", paramLabel = "FILE", defaultValue = "${env:NACRE_HSM_CONFIG}",
            description = "HSM archives, agent and policy rules (see README, HSM).")
    Path hsmConfig;

    @Option(names = "--archive", paramLabel = "s3://BUCKET[/PREFIX]",
            description = "Archive to this S3 bucket (a copytool runs in this process; credentials: AWS_* env).")
    String archive;

    @Option(names = "--archive-endpoint", paramLabel = "URL", description = "The archive's S3 endpoint (default AWS).")
    String archiveEndpoint;

    @Option(names = "--archive-id", paramLabel = "N", defaultValue = "1", description = "Its archive id (default 1).")
    int archiveId;

    @Option(names = "--s3-port", paramLabel = "PORT", defaultValue = "" + NodeOptions.DEFAULT_S3_PORT,
            description = "S3 endpoint port (default: ${DEFAULT-VALUE}).")
    int s3Port;

    @Option(names = "--s3-domain", paramLabel = "DOMAIN",
            description = "Serve virtual-host style S3 too: BUCKET.DOMAIN (default: path style only).")
    String s3Domain;

    @Option(names = "--nfs-port", paramLabel = "PORT", defaultValue = "" + NfsOptions.DEFAULT_PORT,
            description = "NFSv4.1 port (default: ${DEFAULT-VALUE}; 0 = any free port).")
    int nfsPort;

    @Option(names = "--nfs-exports", paramLabel = "FILE",
            description = "Who may mount, in exports(5) syntax, one line (default: \"" + NfsOptions.DEFAULT_EXPORTS
                    + "\").")
    Path nfsExports;

    @Option(names = "--nfs-lease", paramLabel = "SECONDS", defaultValue = "90",
            description = "NFS lease, also the grace period after a restart (default: ${DEFAULT-VALUE}).")
    int nfsLease;

    @Option(names = "--pnfs", description = "Serve pNFS: NFSv4.1 file layouts and a data server over the OSTs"
            + " (default: off).")
    boolean pnfs;

    @Option(names = "--nfs-ds-port", paramLabel = "PORT", defaultValue = "" + NfsOptions.DEFAULT_DS_PORT,
            description = "The pNFS data server's port, with --pnfs (default: ${DEFAULT-VALUE}; 0 = any free port).")
    int nfsDsPort;

    @Option(names = "--osts", paramLabel = "N", defaultValue = "" + NodeOptions.DEFAULT_OST_COUNT,
            description = "OSTs in this process (default: ${DEFAULT-VALUE}; 0 = all on OSS nodes: `nacre oss`).")
    int ostCount;

    @Option(names = "--peers", paramLabel = "ID=HOST:PORT,...",
            description = "Run as one node of a cluster whose MDS Raft group is these peers (1, 3 or 5; the same list"
                    + " on every node). Needs --node-id and --cluster-secret.")
    String peers;

    @Option(names = "--node-id", paramLabel = "ID", description = "This node's id in the cluster (its MDS peer id"
            + " when it has the mds role).")
    String nodeId;

    @Option(names = "--roles", paramLabel = "ROLE,...", split = ",", description = "The roles this cluster node runs,"
            + " of mds, ost, nfs, s3 (default: all).")
    List<String> roles;

    @Option(names = "--cluster", paramLabel = "NAME", defaultValue = "nacre",
            description = "The cluster's name, the same on every node (default: ${DEFAULT-VALUE}).")
    String clusterName;

    @Option(names = "--cluster-secret", paramLabel = "FILE", description = "The secret every node of the cluster"
            + " shares (at least 16 characters; the file readable by its owner only).")
    Path clusterSecret;

    @Option(names = "--advertise", paramLabel = "ADDR", description = "The address other cluster nodes reach this"
            + " one at (default: the host of its MDS peer, else --bind).")
    String advertise;

    @Option(names = "--oss-port", paramLabel = "PORT", defaultValue = "-1",
            description = "Port of the OSS serving this node's OSTs to the other nodes (default: "
                    + OssNodeOptions.DEFAULT_OSS_PORT + " in a cluster, else any free port).")
    int ossPort;

    @Option(names = "--first-ost", paramLabel = "N", defaultValue = "0",
            description = "Index of this node's first OST; indexes are unique in a cluster (default: ${DEFAULT-VALUE}).")
    int firstOst;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        HsmSettings hsm = hsmConfig == null ? HsmSettings.NONE : HsmSettings.load(hsmConfig);
        if (archive != null) {
            hsm = hsm.withArchive(archiveId, archive, archiveEndpoint);
        }
        NfsOptions nfs = new NfsOptions(nfsPort, nfsExports == null ? null : NfsOptions.readExports(nfsExports),
                Duration.ofSeconds(nfsLease));
        if (pnfs) {
            nfs = nfs.withPnfs(nfsDsPort);
        }
        NodeOptions opts = NodeOptions.defaults(data).withBind(bind).withAdminPort(adminPort).withS3(s3Port, s3Domain)
                .withNfs(nfs).withHsm(hsm).withOstCount(ostCount).withCluster(cluster());
        Node node = Node.start(opts);
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            out.println("nacre: stopping...");
            out.flush();
            node.close();
            out.println("nacre: stopped; every role closed its data cleanly");
            out.flush();
            stopped.countDown();
        }, "nacre-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        out.println("Nacre is up. Data: " + data.toAbsolutePath());
        if (opts.cluster() != null) {
            out.println("  node    " + opts.cluster().nodeId() + " of cluster " + opts.cluster().name() + ", roles "
                    + ClusterOptions.ROLES.stream().filter(node::runs).collect(Collectors.joining(",")));
        }
        if (node.mdsAddress() != null) {
            out.println("  MDS     " + (opts.cluster() == null ? "1 Raft peer" : "peer " + opts.cluster().nodeId()
                    + " of " + node.mdsPeers().size()) + " at " + node.mdsAddress() + ", namespace under "
                    + data.resolve("mdt"));
        } else {
            out.println("  MDS     the peers " + node.mdsPeers().stream().map(Peer::toString)
                    .collect(Collectors.joining(",")));
        }
        if (node.osts().isEmpty()) {
            out.println("  OSTs    none here: OSS nodes join with `nacre oss --join http://"
                    + Reach.first(node.adminAddress()) + "`");
        } else {
            out.println("  OSTs    " + node.osts().size() + " (" + node.osts().get(0).info().name() + ".."
                    + node.osts().get(node.osts().size() - 1).info().name() + ") under " + data.resolve("ost"));
        }
        // Where each listener really is: the --bind address, or this machine's own ones when it is a wildcard.
        if (node.s3Address() != null) {
            out.println("  S3      http://" + Reach.first(node.s3Address()) + "  (region us-east-1; keys: nacre keys root)");
        }
        if (node.nfsAddress() != null) {
            String nfsHost = Reach.host(Reach.of(node.nfsAddress()).get(0));
            int nfsPort = node.nfsAddress().getPort();
            out.println("  NFS     " + nfsHost + ":" + nfsPort + "  (mount -t nfs -o vers=4.1,port=" + nfsPort + " "
                    + nfsHost + ":/ /mnt)");
        }
        if (node.nfsDataServerAddress() != null) {
            out.println("  pNFS    data server at " + Reach.first(node.nfsDataServerAddress()) + " for the OSTs here");
        } else if (pnfs && node.nfsAddress() != null) {
            out.println("  pNFS    layouts name the data servers of the OSS nodes");
        }
        out.println("  admin   http://" + Reach.first(node.adminAddress()) + "  (/health, /metrics, and the nacre verbs)");
        out.println("  OSS     " + node.ossUri().getRawAuthority() + "  (the OSTs for `nacre copytool`"
                + (opts.cluster() != null ? " and the other nodes)" : ")"));
        if (node.adminAddress().getAddress().isAnyLocalAddress()) {
            out.println("  bound to " + bind + ": every address of this machine, "
                    + Reach.of(node.adminAddress()).stream().map(Reach::host).collect(Collectors.joining(", ")));
        }
        if (node.hsm() != null) {
            out.println("  HSM     archive(s) " + node.hsm().archiveIds() + ", policy engine "
                    + (node.hsm().policy() != null ? "on" : "off") + "  (nacre hsm status)");
        }
        out.println("  JVM     " + Jvm.describe()
                + "  (NACRE_JIT: auto, c1 or full; NACRE_CRC32C: auto, java or intrinsic)");
        if (node.keys() != null && node.keys().createdRoot()) {
            out.println("S3 root key created (shown once; `nacre keys root` prints it again):");
            out.println("  access_key=" + node.keys().root().accessKey());
            out.println("  secret_key=" + node.keys().root().secretKey());
        }
        out.println("Stop with Ctrl-C.");
        out.flush();
        stopped.await();
        return 0;
    }

    /** The cluster this node is part of, from --peers and the options that go with it; null without --peers. */
    private ClusterOptions cluster() {
        if (peers == null) {
            if (nodeId != null || roles != null || clusterSecret != null || advertise != null) {
                throw new IllegalArgumentException("--node-id, --roles, --cluster-secret and --advertise are for a"
                        + " cluster node: give its MDS peers with --peers");
            }
            return null;
        }
        if (nodeId == null) {
            throw new IllegalArgumentException("--peers needs --node-id: which node this is");
        }
        if (pnfs) {
            // A layout is recalled by the NFS server that handed it out, when a change goes through its own node;
            // a truncate or unlink through another node's gateway would not recall it.
            throw new IllegalArgumentException("--pnfs is not available on a cluster node yet (layouts are not recalled"
                    + " across nodes); its NFS gateway serves the data itself");
        }
        if (clusterSecret == null) {
            throw new IllegalArgumentException("--peers needs --cluster-secret: the file with the secret every node shares");
        }
        List<Peer> group;
        try {
            group = Peer.parseList(peers);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--peers: " + e.getMessage(), e);
        }
        Set<String> chosen = new LinkedHashSet<>(roles == null ? ClusterOptions.ROLES : roles);
        String at = advertise;
        if (at == null) {
            at = group.stream().filter(p -> p.id().equals(nodeId)).map(Peer::host).findFirst().orElse(bind);
        }
        if (at.equals("0.0.0.0") || at.equals("::")) {
            throw new IllegalArgumentException("--advertise: the address other nodes reach this one at (--bind " + bind
                    + " is every address, and this node is no MDS peer whose address could say it)");
        }
        if (chosen.contains("s3") && (System.getenv(KeyStore.ENV_ACCESS_KEY) == null
                || System.getenv(KeyStore.ENV_SECRET_KEY) == null)) {
            throw new IllegalArgumentException("the S3 gateways of a cluster share one root key: set "
                    + KeyStore.ENV_ACCESS_KEY + " and " + KeyStore.ENV_SECRET_KEY + " to the same pair on every node");
        }
        return new ClusterOptions(clusterName, nodeId, group, chosen, readSecret(clusterSecret), at,
                ossPort < 0 ? OssNodeOptions.DEFAULT_OSS_PORT : ossPort, firstOst);
    }

    /** The cluster secret file's text, stripped; refused when others may read it. */
    static byte[] readSecret(Path file) {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (perms.contains(PosixFilePermission.OTHERS_READ) || perms.contains(PosixFilePermission.GROUP_WRITE)
                    || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
                throw new IllegalArgumentException("--cluster-secret " + file + " is open to others ("
                        + PosixFilePermissions.toString(perms) + "): chmod 600 it");
            }
            String text = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (text.length() < 16 || text.contains("\n")) {
                throw new IllegalArgumentException("--cluster-secret " + file + " holds no secret of one line of at"
                        + " least 16 characters");
            }
            return text.getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the cluster secret " + file, e);
        }
    }
}
