package io.nacre.appliance.node;

import static io.nacre.nfs.v41.NfsTestClient.ok;
import static io.nacre.nfs.v41.NfsTestClient.result;

import io.nacre.appliance.Main;
import io.nacre.nfs.v41.NfsFs;
import io.nacre.nfs.v41.NfsTestClient;
import io.nacre.nfs.v41.xdr.CommitArgs;
import io.nacre.nfs.v41.xdr.FileLayout4;
import io.nacre.nfs.v41.xdr.FileLayoutDsAddr4;
import io.nacre.nfs.v41.xdr.GetDeviceInfoArgs;
import io.nacre.nfs.v41.xdr.GetDeviceInfoRes;
import io.nacre.nfs.v41.xdr.LayoutGetArgs;
import io.nacre.nfs.v41.xdr.LayoutGetRes;
import io.nacre.nfs.v41.xdr.Nfs4;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.PutfhArgs;
import io.nacre.nfs.v41.xdr.ReadArgs;
import io.nacre.nfs.v41.xdr.ReadRes;
import io.nacre.nfs.v41.xdr.Stateid4;
import io.nacre.nfs.v41.xdr.WriteArgs;
import io.nacre.nfs.v41.xdr.XdrIo;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lustre's near-linear scaling, measured across processes: {@code nacre up --pnfs --osts 0} and two
 * {@code nacre oss} processes with four OSTs each, every OST throttled to B ({@code --ost-bandwidth}); a
 * striped file of N stripes written and read by one client straight on the data servers its layout names,
 * two requests in flight per stripe (1 MiB WRITEs, then COMMIT; 1 MiB READs), for N = 1, 2, 4, 8. Prints aggregate MB/s
 * against N*B (target >= 0.9). Run with
 * {@code ./mvnw -B -pl appliance-image -am verify -Pbench -Dtest=PnfsScalingBench}
 * ({@code -Dnacre.bench.ostBandwidth=4M -Dnacre.bench.mibPerStripe=16}).
 */
@Tag("bench")
class PnfsScalingBench {

    private static final int MIB = 1 << 20;
    private static final Duration START = Duration.ofMinutes(3);

    @TempDir
    Path tmp;

    @Test
    void aggregateBandwidthGrowsWithTheStripeCount() throws Exception {
        String bw = System.getProperty("nacre.bench.ostBandwidth", "4M");
        long b = io.nacre.appliance.cli.Sizes.parse(bw);
        int perStripe = Integer.getInteger("nacre.bench.mibPerStripe", 16);
        List<NacreProcess> procs = new ArrayList<>();
        try {
            NacreProcess mds = NacreProcess.start(tmp.resolve("mds.log"), "up", "--data", tmp.resolve("mds").toString(),
                    "--admin-port", "0", "--s3-port", "0", "--nfs-port", "0", "--pnfs", "--osts", "0").awaitUp(START);
            procs.add(mds);
            String admin = mds.await(Pattern.compile("admin\\s+(http://127\\.0\\.0\\.1:\\d+)"), START);
            InetSocketAddress nfs = new InetSocketAddress("127.0.0.1",
                    Integer.parseInt(mds.await(Pattern.compile("NFS\\s+127\\.0\\.0\\.1:(\\d+)"), START)));
            for (int i = 0; i < 2; i++) {
                procs.add(NacreProcess.start(tmp.resolve("oss" + i + ".log"), "oss", "--data",
                        tmp.resolve("oss" + i).toString(), "--join", admin, "--oss-port", "0", "--nfs-ds-port", "0",
                        "--first-ost", Integer.toString(4 * i), "--osts", "4", "--ost-bandwidth", bw).awaitUp(START));
            }
            StringBuilder table = new StringBuilder(String.format("every OST throttled to %s/s; %d MiB per stripe%n", bw,
                    perStripe));
            table.append(String.format("%7s %10s %12s %12s %9s %9s%n", "stripes", "N*B MB/s", "write MB/s", "read MB/s",
                    "w/(N*B)", "r/(N*B)"));
            try (NfsTestClient c = NfsTestClient.connect(nfs).mount("bench")) {
                NfsFs fs = new NfsFs(c, "bench-owner");
                for (int n : new int[] {1, 2, 4, 8}) {
                    cli(admin, "mkdir", "/s" + n);
                    cli(admin, "setstripe", "-c", Integer.toString(n), "-S", "1M", "/s" + n);
                    NfsFs.Opened f = fs.create(fs.lookup(fs.root(), "s" + n), "f", 0644);
                    LayoutGetRes lg = result(ok(fs.onFh(f.fh(), new LayoutGetArgs(false, Nfs4.LAYOUT4_NFSV4_1_FILES,
                            Nfs4.LAYOUTIOMODE4_RW, 0, -1L, 0, f.stateid(), 1 << 20))), OpNum.LAYOUTGET)
                            .body(LayoutGetRes.class);
                    FileLayout4 body = FileLayout4.decode(XdrIo.decoder(lg.layouts().get(0).body()));
                    FileLayoutDsAddr4 dev = FileLayoutDsAddr4.decode(XdrIo.decoder(result(ok(c.call(
                            new GetDeviceInfoArgs(body.deviceId(), Nfs4.LAYOUT4_NFSV4_1_FILES, 1 << 16, new int[0]))),
                            OpNum.GETDEVICEINFO).body(GetDeviceInfoRes.class).addrBody()));
                    double target = n * (double) b / MIB;
                    double w = run(n, perStripe, body, dev, lg.stateid(), true);
                    double r = run(n, perStripe, body, dev, lg.stateid(), false);
                    table.append(String.format("%7d %10.1f %12.1f %12.1f %8.2fx %8.2fx%n", n, target, w, r, w / target,
                            r / target));
                    fs.close(f);
                }
            }
            table.append("load: ").append(String.format("%.2f", java.lang.management.ManagementFactory
                    .getOperatingSystemMXBean().getSystemLoadAverage())).append('\n');
            System.out.print(table);
        } finally {
            for (int i = procs.size() - 1; i >= 0; i--) {
                procs.get(i).close();
            }
        }
    }

    private static void cli(String admin, String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--admin";
        all[1] = admin;
        System.arraycopy(args, 0, all, 2, args.length);
        if (Main.run(all, new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter())) != 0) {
            throw new AssertionError("nacre " + String.join(" ", args) + " failed");
        }
    }

    /** Requests in flight per stripe, as a kernel client keeps several RPCs outstanding per data server. */
    private static final int DEPTH = 2;

    /**
     * DEPTH streams per stripe, each on its own session with the stripe's data server, stream k taking
     * the stripe's units k, k + DEPTH, ...; aggregate MB/s.
     */
    private static double run(int n, int perStripe, FileLayout4 body, FileLayoutDsAddr4 dev, Stateid4 stateid,
                              boolean write) throws Exception {
        List<NfsTestClient> sessions = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int s = 0; s < n; s++) {
                String[] p = dev.dataServers().get(dev.stripeIndices()[s]).get(0).uaddr().split("\\.");
                InetSocketAddress ds = new InetSocketAddress("127.0.0.1",
                        Integer.parseInt(p[4]) * 256 + Integer.parseInt(p[5]));
                for (int k = 0; k < DEPTH; k++) {
                    sessions.add(NfsTestClient.connect(ds).mount("bench-" + n + "-" + s + "-" + k + (write ? "w" : "r")));
                }
            }
            byte[] unit = new byte[MIB];
            new java.util.Random(n).nextBytes(unit);
            long t0 = System.nanoTime();
            List<Future<Void>> all = new ArrayList<>();
            for (int s = 0; s < n; s++) {
                int stripe = s;
                byte[] fh = body.fhs().get(s);
                for (int k = 0; k < DEPTH; k++) {
                    int first = k;
                    NfsTestClient ds = sessions.get(s * DEPTH + k);
                    all.add(pool.submit((Callable<Void>) () -> {
                        for (int i = first; i < perStripe; i += DEPTH) {
                            if (write) {
                                ok(ds.call(new PutfhArgs(fh), new WriteArgs(stateid, (long) i * MIB, Nfs4.UNSTABLE4,
                                        ByteBuffer.wrap(unit))));
                            } else {
                                ReadRes r = result(ok(ds.call(new PutfhArgs(fh), new ReadArgs(Stateid4.ANONYMOUS,
                                        (long) i * MIB, MIB))), OpNum.READ).body(ReadRes.class);
                                if (r.data().remaining() != MIB) {
                                    throw new AssertionError("stripe " + stripe + " read " + r.data().remaining());
                                }
                            }
                        }
                        return null;
                    }));
                }
            }
            for (Future<Void> f : all) {
                f.get();
            }
            if (write) {
                for (int s = 0; s < n; s++) {
                    ok(sessions.get(s * DEPTH).call(new PutfhArgs(body.fhs().get(s)), new CommitArgs(0, 0)));
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            return n * (double) perStripe / seconds;
        } finally {
            for (NfsTestClient s : sessions) {
                s.close();
            }
        }
    }
}
