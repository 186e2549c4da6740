package io.nacre.nfs.testkit;

import io.nacre.engine.io.FileIo;
import io.nacre.meta.testkit.EmbeddedCore;
import io.nacre.nfs.NfsServer;
import io.nacre.nfs.export.ExportTable;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * Until `nacre up` serves NFS: an embedded core (one MDS peer, four OSTs under --data) and the NFS
 * server, in the foreground until SIGTERM. For the kernel-client runs in the QEMU guest.
 *
 * <pre>java -cp ... io.nacre.nfs.testkit.NfsMain --data DIR [--port 2049] [--bind 127.0.0.1]
 *     [--exports "/ 127.0.0.1(rw,no_root_squash)"] [--lease 15]</pre>
 */
public final class NfsMain {

    private NfsMain() {
    }

    public static void main(String[] args) throws Exception {
        Path data = null;
        int port = NfsServer.DEFAULT_PORT;
        String bind = "127.0.0.1";
        String exports = "/ 127.0.0.1(rw,no_root_squash)";
        int lease = 15;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--data" -> data = Path.of(args[++i]);
                case "--port", "--nfs-port" -> port = Integer.parseInt(args[++i]);
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
        NfsServer nfs = NfsServer.builder(core.metadata(), io).bindAddress(bind).port(port)
                .exports(ExportTable.parse(exports)).leaseTime(Duration.ofSeconds(lease)).build().start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            nfs.close();
            io.close();
            core.close();
            stopped.countDown();
        }));
        System.out.println("nacre-nfs: serving NFSv4.1 on " + nfs.address() + ", data in " + data);
        stopped.await();
    }
}
