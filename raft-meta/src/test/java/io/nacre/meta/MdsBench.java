package io.nacre.meta;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.meta.CreateSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Metadata create rate through {@link io.nacre.engine.meta.MetadataService}: one and three peers (in this
 * JVM, on loopback, each with its own data directory), 1, 8, 32 and 128 concurrent callers sharing one client,
 * each creating files in its own directory for a fixed time. Prints a table with the operations per Raft
 * entry (group commit) and the ratio to the single-caller rate of the same group.
 *
 * <p>Run: {@code ./mvnw -B -q -pl raft-meta -am verify -Dtest=MdsBench -Dsurefire.failIfNoSpecifiedTests=false
 * -Dnacre.test.excludedGroups= -Dnacre.test.groups=bench}, or its main.
 */
@Tag("bench")
class MdsBench {

    private static final long SECONDS = Long.getLong("bench.seconds", 5);
    private static final int[] CALLERS = {1, 8, 32, 128};
    private static final long WARMUP_SECONDS = Long.getLong("bench.warmup", 10);

    record Row(int peers, int callers, long creates, double seconds, long entries) {
        double rate() {
            return creates / seconds;
        }
    }

    @Test
    void createsPerSecond() throws Exception {
        main(new String[0]);
    }

    public static void main(String[] args) throws Exception {
        Path base = Files.createTempDirectory("mds-bench");
        List<Row> rows = new ArrayList<>();
        try {
            for (int peers : new int[] {1, 3}) {
                try (Cluster cluster = new Cluster(base.resolve("p" + peers), peers, 100_000, 32L << 20);
                     MetadataClient mds = MetadataClient.builder().peers(cluster.peers).build()) {
                    TestServers.registerOsts(mds, 4);
                    MetadataServer leader = cluster.servers[cluster.leader()];
                    run(mds, leader, peers, 32, WARMUP_SECONDS, "warmup");
                    for (int callers : CALLERS) {
                        rows.add(run(mds, leader, peers, callers, SECONDS, "c" + callers));
                    }
                }
            }
        } finally {
            NamespaceStore.deleteTree(base);
        }
        print(rows);
    }

    private static Row run(MetadataClient mds, MetadataServer leader, int peers, int callers, long seconds, String tag)
            throws InterruptedException {
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
        return new Row(peers, callers, done.get(), secs, leader.stateMachine().entriesApplied.get() - entries0);
    }

    private static void print(List<Row> rows) throws IOException {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%n%-6s %-8s %10s %12s %12s %12s%n", "peers", "callers", "creates", "creates/s",
                "ops/entry", "vs 1 caller"));
        for (Row r : rows) {
            Row one = rows.stream().filter(o -> o.peers() == r.peers() && o.callers() == 1).findFirst().orElse(r);
            sb.append(String.format("%-6d %-8d %10d %12.0f %12.1f %11.1fx%n", r.peers(), r.callers(), r.creates(),
                    r.rate(), (double) r.creates() / Math.max(1, r.entries()), r.rate() / one.rate()));
        }
        System.out.print(sb);
        Path out = Path.of(System.getProperty("java.io.tmpdir"), "mds-bench.txt");
        Files.writeString(out, sb.toString());
    }
}
