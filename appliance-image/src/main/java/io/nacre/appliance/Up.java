package io.nacre.appliance;

import io.nacre.appliance.hsm.HsmSettings;
import io.nacre.appliance.node.NfsOptions;
import io.nacre.appliance.node.Node;
import io.nacre.appliance.node.NodeOptions;
import io.nacre.appliance.node.Reach;
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

/** {@code nacre up}: every role in one process, in the foreground until Ctrl-C or SIGTERM. */
@Command(name = "up", description = "Run every role of Nacre in one process on the embedded default.")
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
                .withNfs(nfs).withHsm(hsm).withOstCount(ostCount);
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
        out.println("  MDS     1 Raft peer at " + node.mdsAddress() + ", namespace under " + data.resolve("mdt"));
        if (node.osts().isEmpty()) {
            out.println("  OSTs    none here: OSS nodes join with `nacre oss --join http://"
                    + Reach.first(node.adminAddress()) + "`");
        } else {
            out.println("  OSTs    " + node.osts().size() + " (" + node.osts().get(0).info().name() + ".."
                    + node.osts().get(node.osts().size() - 1).info().name() + ") under " + data.resolve("ost"));
        }
        // Where each listener really is: the --bind address, or this machine's own ones when it is a wildcard.
        String nfsHost = Reach.host(Reach.of(node.nfsAddress()).get(0));
        int nfsPort = node.nfsAddress().getPort();
        out.println("  S3      http://" + Reach.first(node.s3Address()) + "  (region us-east-1; keys: nacre keys root)");
        out.println("  NFS     " + nfsHost + ":" + nfsPort + "  (mount -t nfs -o vers=4.1,port=" + nfsPort + " " + nfsHost
                + ":/ /mnt)");
        if (node.nfsDataServerAddress() != null) {
            out.println("  pNFS    data server at " + Reach.first(node.nfsDataServerAddress()) + " for the OSTs here");
        } else if (pnfs) {
            out.println("  pNFS    layouts name the data servers of the OSS nodes");
        }
        out.println("  admin   http://" + Reach.first(node.adminAddress()) + "  (/health, /metrics, and the nacre verbs)");
        out.println("  OSS     " + Reach.first(node.ossAddress()) + "  (the OSTs for `nacre copytool`)");
        if (node.adminAddress().getAddress().isAnyLocalAddress()) {
            out.println("  bound to " + bind + ": every address of this machine, "
                    + Reach.of(node.adminAddress()).stream().map(Reach::host).collect(Collectors.joining(", ")));
        }
        if (node.hsm() != null) {
            out.println("  HSM     archive(s) " + node.hsm().archiveIds() + ", policy engine "
                    + (node.hsm().policy() != null ? "on" : "off") + "  (nacre hsm status)");
        }
        if (node.keys().createdRoot()) {
            out.println("S3 root key created (shown once; `nacre keys root` prints it again):");
            out.println("  access_key=" + node.keys().root().accessKey());
            out.println("  secret_key=" + node.keys().root().secretKey());
        }
        out.println("Stop with Ctrl-C.");
        out.flush();
        stopped.await();
        return 0;
    }
}
