package io.nacre.conformance.nfs;

import io.nacre.engine.io.Destroyer;
import io.nacre.engine.io.FileIo;
import io.nacre.meta.testkit.EmbeddedCore;
import io.nacre.nfs.NfsServer;
import io.nacre.nfs.export.ExportTable;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * The NFS server under test in the guest: the embedded core (one MDS peer, four OSTs under --data), FileIo
 * with its destroyer, and NfsServer, in the foreground until SIGTERM, as {@code nacre up} runs them. Used
 * until {@code nacre up} serves NFS itself.
 *
 * <pre>java -cp ... io.nacre.conformance.nfs.NfsUnderTest --data DIR [--nfs-port 2049] [--bind 127.0.0.1]
 *     [--exports "/ 127.0.0.1(rw,no_root_squash,insecure)"] [--lease SECONDS]</pre>
 */
public final class NfsUnderTest {

    private NfsUnderTest() {
    }

    public static void main(String[] args) throws Exception {
        Path data = null;
        int port = NfsServer.DEFAULT_PORT;
        String bind = "127.0.0.1";
        String exports = "/ 127.0.0.1(rw,no_root_squash)";
        int lease = 15; // as knfsd's in the test guest: restarts do not stall the run
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--data" -> data = Path.of(args[++i]);
                case "--nfs-port" -> port = Integer.parseInt(args[++i]);
                case "--bind" -> bind = args[++i];
                case "--exports" -> exports = args[++i];
                case "--lease" -> lease = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (data == null) {
            throw new IllegalArgumentException("--data DIR is required");
        }
        EmbeddedCore core = EmbeddedCore.start(data);
        FileIo io = new FileIo(core.metadata(), core.objects());
        Destroyer destroyer = new Destroyer(io);
        destroyer.runOnce();
        destroyer.start();
        NfsServer nfs = NfsServer.builder(core.metadata(), io).bindAddress(bind).port(port)
                .exports(ExportTable.parse(exports)).leaseTime(Duration.ofSeconds(lease)).build().start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            nfs.close();
            destroyer.close();
            io.close();
            core.close();
            stopped.countDown();
        }, "nfs-under-test-stop"));
        System.out.println("nacre-nfs: serving NFSv4.1 on " + nfs.address() + ", data in " + data);
        stopped.await();
    }
}
