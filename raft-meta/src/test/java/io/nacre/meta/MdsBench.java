package io.nacre.meta;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.MetadataService;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Metadata rates through {@link io.nacre.engine.meta.MetadataService}: one and three peers (in this JVM, on
 * loopback, each with its own data directory), each with a client over gRPC (as on a gateway node) and an
 * in-process client (as in `nacre up`, next to the leader). For each: creates/s with 1, 8, 32 and 128
 * concurrent callers sharing one client, each creating files in its own directory for a fixed time; and
 * one caller doing what an NFS client does one file at a time (create, getattr, remove in sequence),
 * with the mean latency of each step. Prints a table with the operations per Raft entry (group commit)
 * and the ratio of each in-process row to the gRPC row above it.
 *
 * <p>Run: {@code ./mvnw -B -Pbench -pl raft-meta -am verify -Dtest=MdsBench}, or its main. System
 * properties: bench.seconds (per row, 5), bench.warmup (10), bench.peers ("1,3"), bench.callers
 * ("1,8,32,128"), bench.modes ("grpc,in-process"), bench.inflight (batches in flight per client, 1).
 */
@Tag("bench")
class MdsBench {

    private static final long SECONDS = Long.getLong("bench.seconds", 5);
    private static final long WARMUP_SECONDS = Long.getLong("bench.warmup", 10);
    private static final int[] PEERS = ints(System.getProperty("bench.peers", "1,3"));
    private static final int[] CALLERS = ints(System.getProperty("bench.callers", "1,8,32,128"));
    private static final int IN_FLIGHT = Integer.getInteger("bench.inflight", 1);
    private static final List<String> MODES = List.of(System.getProperty("bench.modes", "grpc,in-process").split(","));

    /** One row: what was done, how many times in how long, and the Raft entries its changes took. */
    record Row(int peers, String mode, String workload, long ops, double seconds, long changes, long entries,
               String latency) {
        double rate() {
            return ops / seconds;
        }
    }

    @Test
    void createsPerSecond() throws Exception {
        main(new String[0]);
    }

    public static void main(String[] args) throws Exception {
        Path base = Files.createTempDirectory("mds-bench");
        List<Row> rows = new ArrayList<>();
        double[] load = new double[2];
        load[0] = loadAverage();
        try {
            for (int peers : PEERS) {
                try (Cluster cluster = new Cluster(base.resolve("p" + peers), peers, 100_000, 32L << 20)) {
                    MetadataServer leader = cluster.servers[cluster.leader()];
                    try (MetadataClient mds = cluster.client()) {
                        TestServers.registerOsts(mds, 4);
                    }
                    for (String mode : MODES) {
                        try (MetadataClient mds = MetadataClient.builder().peers(cluster.peers)
                                .inProcess(mode.strip().equals("in-process")).inFlight(IN_FLIGHT).build()) {
                            String m = mode.strip();
                            creates(mds, leader, peers, m, 32, WARMUP_SECONDS, "warmup-" + m);
                            for (int callers : CALLERS) {
                                rows.add(creates(mds, leader, peers, m, callers, SECONDS, m + "-c" + callers));
                            }
                            rows.add(sequential(mds, leader, peers, m, SECONDS));
                        }
                    }
                }
            }
        } finally {
            NamespaceStore.deleteTree(base);
        }
        load[1] = loadAverage();
        print(rows, load);
    }

    private static int[] ints(String list) {
        return Arrays.stream(list.split(",")).map(String::strip).mapToInt(Integer::parseInt).toArray();
    }

    private static double loadAverage() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    private static Row creates(MetadataClient mds, MetadataServer leader, int peers, String mode, int callers,
                               long seconds, String tag) throws InterruptedException {
        List<Fid> dirs = new ArrayList<>();
        for (int i = 0; i < callers; i++) {
            dirs.add(mds.create(Caller.ROOT, Fid.ROOT, tag + "-" + i, CreateSpec.directory(0755)).attr().fid());
        }
        AtomicLong done = new AtomicLong();
        CountDownLatch start = new CountDownLatch(1);
        long entries0 = leader.stateMachine().entriesApplied.get();
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < callers; i++) {
            Fid dir = dirs.get(i);
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int n = 0; System.nanoTime() < deadline; n++) {
                    mds.create(Caller.ROOT, dir, "f" + n, CreateSpec.file(0644));
                    done.incrementAndGet();
                }
            }));
        }
        long t0 = System.nanoTime();
        start.countDown();
        for (Thread t : threads) {
            t.join();
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        return new Row(peers, mode, callers + " callers: create", done.get(), secs, done.get(),
                leader.stateMachine().entriesApplied.get() - entries0, "");
    }

    /** One caller: create, getattr, remove, one file after the other (an NFS client's create+stat+unlink). */
    private static Row sequential(MetadataClient mds, MetadataServer leader, int peers, String mode, long seconds) {
        Fid dir = mds.create(Caller.ROOT, Fid.ROOT, "seq-" + mode, CreateSpec.directory(0755)).attr().fid();
        long entries0 = leader.stateMachine().entriesApplied.get();
        long[] nanos = new long[3];
        long files = 0;
        long t0 = System.nanoTime();
        long deadline = t0 + seconds * 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            String name = "f" + files;
            long a = System.nanoTime();
            Fid f = mds.create(Caller.ROOT, dir, name, CreateSpec.file(0644)).attr().fid();
            long b = System.nanoTime();
            mds.getattr(f);
            long c = System.nanoTime();
            mds.remove(Caller.ROOT, dir, name, MetadataService.RemoveKind.FILE);
            long d = System.nanoTime();
            nanos[0] += b - a;
            nanos[1] += c - b;
            nanos[2] += d - c;
            files++;
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        long n = Math.max(1, files);
        String latency = String.format("create %.2f, getattr %.3f, remove %.2f ms", nanos[0] / 1e6 / n,
                nanos[1] / 1e6 / n, nanos[2] / 1e6 / n);
        return new Row(peers, mode, "1 caller: create+getattr+remove", files, secs, 2 * files,
                leader.stateMachine().entriesApplied.get() - entries0, latency);
    }

    private static void print(List<Row> rows, double[] load) throws IOException {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%nMdsBench, load average %.1f at the start, %.1f at the end, %d s per row%n", load[0],
                load[1], SECONDS));
        sb.append(String.format("%-6s %-11s %-32s %10s %10s %10s %9s  %s%n", "peers", "mode", "workload", "ops",
                "ops/s", "chg/entry", "vs grpc", "mean latency"));
        for (Row r : rows) {
            Row grpc = rows.stream().filter(o -> o.peers() == r.peers() && o.mode().equals("grpc")
                    && o.workload().equals(r.workload())).findFirst().orElse(r);
            sb.append(String.format("%-6d %-11s %-32s %10d %10.0f %10.1f %8.2fx  %s%n", r.peers(), r.mode(),
                    r.workload(), r.ops(), r.rate(), (double) r.changes() / Math.max(1, r.entries()), r.rate() / grpc.rate(),
                    r.latency()));
        }
        System.out.print(sb);
        Path out = Path.of(System.getProperty("java.io.tmpdir"), "mds-bench.txt");
        Files.writeString(out, sb.toString());
    }
}
