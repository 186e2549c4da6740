package io.nacre.nfs.v41;

import static io.nacre.nfs.v41.NfsFs.bytes;

import io.nacre.nfs.v41.xdr.StateOwner4;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Drives a running NFS server (`nacre up`) from a JVM of its own with the kernel bench's serial compounds
 * ({@link NfsGatewayBench#linuxCompounds}: creates, stats, unlinks, one at a time), so that the server's
 * system calls and thread wake-ups can be counted per operation from outside, by a tool attached to the
 * server's process for the measured phases only (`nfs-gateway/bench/serial-syscalls.sh`).
 *
 * <p>{@code java -cp ... io.nacre.nfs.v41.SerialOpsDriver HOST:PORT FILES WARMUP ROUNDS SYNC_DIR}: WARMUP
 * rounds unobserved, then ROUNDS rounds (each in a new directory); before each phase of a measured round it
 * writes {@code SYNC_DIR/<round>-<phase>.ready} and waits for {@code .go}, and after it writes the phase's
 * wall time per operation (median and mean, microseconds) into {@code .done}.
 */
public final class SerialOpsDriver {

    private SerialOpsDriver() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            System.err.println("usage: SerialOpsDriver HOST:PORT FILES WARMUP ROUNDS SYNC_DIR");
            System.exit(2);
        }
        String[] hp = args[0].split(":");
        int files = Integer.parseInt(args[1]);
        int warmup = Integer.parseInt(args[2]);
        int rounds = Integer.parseInt(args[3]);
        Path sync = Path.of(args[4]);
        String[] phases = {"create", "stat", "unlink"};
        String tag = Long.toHexString(System.nanoTime());
        try (NfsTestClient c = NfsTestClient.connect(new InetSocketAddress(hp[0], Integer.parseInt(hp[1])))
                .mount("serial-ops-" + tag)) {
            NfsFs fs = new NfsFs(c, "serial-ops-owner-" + tag);
            StateOwner4 owner = new StateOwner4(c.clientid(), bytes("serial-ops"));
            int[] seq = {0};
            for (int round = 0; round < warmup + rounds; round++) {
                boolean measured = round >= warmup;
                byte[] d = fs.mkdir(fs.root(), "serial-" + tag + "-" + round, 0755);
                for (String phase : phases) {
                    String name = (round - warmup) + "-" + phase;
                    if (measured) {
                        Files.writeString(sync.resolve(name + ".ready"), "");
                        await(sync.resolve(name + ".go"));
                    }
                    long[] took = new long[files];
                    for (int i = 0; i < files; i++) {
                        long t0 = System.nanoTime();
                        NfsGatewayBench.linuxCompounds(c, seq, owner, d, phase, "f" + i);
                        took[i] = System.nanoTime() - t0;
                    }
                    if (measured) {
                        long sum = Arrays.stream(took).sum();
                        Arrays.sort(took);
                        Files.writeString(sync.resolve(name + ".done"), String.format(Locale.ROOT,
                                "%s median_us %.1f mean_us %.1f%n", name, took[files / 2] / 1e3, sum / 1e3 / files));
                    }
                }
            }
        }
    }

    /** Waits for the orchestrating script (polling: it may take seconds to attach its tools). */
    private static void await(Path go) throws InterruptedException {
        while (!Files.exists(go)) {
            Thread.sleep(20);
        }
    }
}
