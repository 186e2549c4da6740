package io.nacre.appliance.cli;

import io.nacre.appliance.Main;
import io.nacre.appliance.admin.HsmJson;
import io.nacre.appliance.hsm.CopytoolProcess;
import io.nacre.appliance.hsm.HsmSettings;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code nacre copytool}: an HSM agent with the S3 copytool as its own process, against a running instance
 * (found through its admin endpoint, or given with --mds/--oss/--secret), until Ctrl-C or SIGTERM.
 */
@Command(name = "copytool", description = {"Run an HSM copytool (agent + S3) as its own process against a running",
    "instance; several share the work. Archives from --config FILE and/or --archive."})
public final class CopytoolVerb implements Callable<Integer> {

    @ParentCommand
    Main main;
    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "HSM configuration file (archive.N.* settings).")
    Path config;
    @Option(names = "--archive", paramLabel = "s3://BUCKET[/PREFIX]", description = "An archive (credentials: AWS_* env).")
    String archive;
    @Option(names = "--archive-endpoint", paramLabel = "URL", description = "Its S3 endpoint (default AWS).")
    String endpoint;
    @Option(names = "--archive-id", paramLabel = "N", defaultValue = "1", description = "Its archive id (default 1).")
    int archiveId;
    @Option(names = "--max-actions", paramLabel = "N", description = "Requests at once per archive (default 4).")
    Integer maxActions;
    @Option(names = "--name", paramLabel = "NAME", description = "Agent name (default: host, pid and a random part).")
    String name;
    @Option(names = "--mds", paramLabel = "PEERS", description = "MDS peers id=host:port,... (default: ask --admin).")
    String mds;
    @Option(names = "--oss", paramLabel = "URL", description = "OSS address (default: ask --admin).")
    String oss;
    @Option(names = "--secret", paramLabel = "HEX", description = "Cluster secret (default: ask --admin).")
    String secret;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        HsmSettings settings = config == null ? HsmSettings.NONE : HsmSettings.load(config);
        if (archive != null) {
            settings = settings.withArchive(archiveId, archive, endpoint);
        }
        settings = settings.withAgent(maxActions, name);
        String cluster = null;
        if (mds == null || oss == null) {
            AdminClient c = new AdminClient(main.admin());
            HsmJson.Cluster cl = c.call(HttpRequest.newBuilder(c.uri("/api/v1/hsm/cluster", null)).GET(), HsmJson.Cluster.class);
            mds = mds == null ? cl.mdsPeers() : mds;
            oss = oss == null ? cl.oss() : oss;
            secret = secret == null ? cl.secret() : secret;
            cluster = cl.cluster();
        }
        CopytoolProcess p = CopytoolProcess.start(cluster, mds, URI.create(oss), secret, settings);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            p.close();
            stopped.countDown();
        }, "nacre-copytool-shutdown"));
        out.println("nacre copytool: serving archive(s) " + p.role().archiveIds() + " of the instance at MDS " + mds
                + "; stop with Ctrl-C.");
        out.flush();
        stopped.await();
        return 0;
    }
}
