package io.nacre.appliance;

import io.nacre.appliance.cli.Sizes;
import io.nacre.appliance.node.NfsOptions;
import io.nacre.appliance.node.OssNode;
import io.nacre.appliance.node.OssNodeOptions;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code nacre oss}: an OSS node as its own process (its OSTs, the OSS service and the pNFS data server of
 * their objects) that joins the instance whose MDS node ({@code nacre up}) answers at --join.
 */
@Command(name = "oss", description = {"Run an OSS node: OSTs, the OSS service and a pNFS data server, joined to",
    "the instance of a `nacre up` on this machine (--join, default --admin), or with --cluster-secret to a",
    "cluster node on another."})
final class OssCommand implements Callable<Integer> {

    @ParentCommand
    Main main;
    @Spec
    CommandSpec spec;

    @Option(names = "--data", paramLabel = "DIR", required = true, description = "This node's data directory.")
    Path data;
    @Option(names = "--join", paramLabel = "URL", description = "Admin endpoint of the MDS node (default: --admin).")
    URI join;
    @Option(names = "--bind", paramLabel = "ADDR", defaultValue = "127.0.0.1",
            description = "Address the OSS and the data server listen on (default: ${DEFAULT-VALUE}).")
    String bind;
    @Option(names = "--oss-port", paramLabel = "PORT", defaultValue = "" + OssNodeOptions.DEFAULT_OSS_PORT,
            description = "OSS port (default: ${DEFAULT-VALUE}; 0 = any free port).")
    int ossPort;
    @Option(names = "--nfs-ds-port", paramLabel = "PORT", defaultValue = "" + NfsOptions.DEFAULT_DS_PORT,
            description = "pNFS data-server port (default: ${DEFAULT-VALUE}; 0 = any free port; -1 = none).")
    int dsPort;
    @Option(names = "--first-ost", paramLabel = "N", defaultValue = "0",
            description = "Index of this node's first OST; indexes are unique in the instance (default: 0).")
    int firstOst;
    @Option(names = "--osts", paramLabel = "N", defaultValue = "1", description = "How many OSTs (default: 1).")
    int ostCount;
    @Option(names = "--ost-bandwidth", paramLabel = "SIZE", defaultValue = "0",
            description = "Throttle each OST to SIZE bytes per second, e.g. 20M (a test knob; default 0 = off).")
    String bandwidth;
    @Option(names = "--nfs-exports", paramLabel = "FILE",
            description = "Who may use the data server, exports(5) syntax (default: \"" + NfsOptions.DEFAULT_EXPORTS
                    + "\").")
    Path nfsExports;
    @Option(names = "--nfs-lease", paramLabel = "SECONDS", defaultValue = "90",
            description = "The data server's lease (default: ${DEFAULT-VALUE}).")
    int nfsLease;

    @Option(names = "--cluster-secret", paramLabel = "FILE", description = {"The cluster's secret (what the nodes'"
            + " --cluster-secret holds): signs the joins, so that a cluster node on another machine takes them."})
    Path clusterSecret;

    @Option(names = "--join-wait", paramLabel = "SECONDS", defaultValue = "300",
            description = "How long to wait for the MDS node at start (default: ${DEFAULT-VALUE}).")
    int joinWait;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        OssNodeOptions opts = new OssNodeOptions(data, join != null ? join : URI.create(main.admin()), bind, ossPort,
                dsPort, firstOst, ostCount, Sizes.parse(bandwidth),
                nfsExports == null ? null : NfsOptions.readExports(nfsExports), Duration.ofSeconds(nfsLease), Duration.ofSeconds(joinWait),
                clusterSecret == null ? null : Up.readSecret(clusterSecret));
        OssNode node = OssNode.start(opts);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            node.close();
            out.println("nacre oss: stopped");
            out.flush();
            stopped.countDown();
        }, "nacre-oss-shutdown"));
        out.println("Nacre OSS node is up. Data: " + data.toAbsolutePath());
        out.println("  OSTs    " + node.osts().size() + " (" + node.osts().get(0).name() + ".."
                + node.osts().get(node.osts().size() - 1).name() + ") of file system "
                + Long.toHexString(node.fsid()));
        out.println("  OSS     " + node.ossUri());
        if (node.dataServerAddress() != null) {
            out.println("  pNFS    data server " + node.dataServerAddress().getAddress().getHostAddress() + ":"
                    + node.dataServerAddress().getPort());
        }
        out.println("  joined  " + opts.join());
        out.println("Stop with Ctrl-C.");
        out.flush();
        stopped.await();
        return 0;
    }
}
