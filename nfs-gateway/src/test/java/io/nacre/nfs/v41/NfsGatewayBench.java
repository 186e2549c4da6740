package io.nacre.nfs.v41;

import static io.nacre.nfs.v41.NfsFs.bytes;
import static io.nacre.nfs.v41.NfsTestClient.ok;
import static io.nacre.nfs.v41.NfsTestClient.result;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.io.Destroyer;
import io.nacre.engine.io.FileIo;
import io.nacre.engine.meta.Access;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.FileType;
import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.store.Durability;
import io.nacre.meta.testkit.EmbeddedCore;
import io.nacre.nfs.NfsServer;
import io.nacre.nfs.export.ExportTable;
import io.nacre.nfs.v41.attr.AttrNum;
import io.nacre.nfs.v41.attr.Bitmap;
import io.nacre.nfs.v41.xdr.AccessArgs;
import io.nacre.nfs.v41.xdr.CloseArgs;
import io.nacre.nfs.v41.xdr.CommitArgs;
import io.nacre.nfs.v41.xdr.CompoundRes;
import io.nacre.nfs.v41.xdr.GetattrArgs;
import io.nacre.nfs.v41.xdr.GetfhRes;
import io.nacre.nfs.v41.xdr.LookupArgs;
import io.nacre.nfs.v41.xdr.Nfs4;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpenArgs;
import io.nacre.nfs.v41.xdr.OpenRes;
import io.nacre.nfs.v41.xdr.PutfhArgs;
import io.nacre.nfs.v41.xdr.ReadArgs;
import io.nacre.nfs.v41.xdr.RemoveArgs;
import io.nacre.nfs.v41.xdr.StateOwner4;
import io.nacre.nfs.v41.xdr.Stateid4;
import io.nacre.nfs.v41.xdr.VoidArgs;
import io.nacre.nfs.v41.xdr.WriteArgs;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What the gateway costs on top of the core, measured in one process: the kernel bench's operations (1 MiB
 * sequential write then read; create, stat, unlink of empty files, one at a time) done once straight on
 * the core ({@link MetadataService} and {@link FileIo}, the baseline: what `nacre up`'s NFS server calls
 * underneath) and once through the NFS server over ONC RPC, with the compounds the Linux client sends
 * (OPEN+GETFH+ACCESS+GETATTR then CLOSE+GETATTR; LOOKUP+GETFH+GETATTR; REMOVE; WRITE+GETATTR with 8
 * outstanding, COMMIT; READ with 8 outstanding). Prints a table and the ratio nfs/core (1.0x: the
 * gateway adds nothing).
 *
 * <p>Run: {@code ./mvnw -B -Pbench -pl nfs-gateway -am verify -Dtest=NfsGatewayBench}. System properties:
 * bench.files (1000), bench.mib (256), bench.rounds (2: the first warms up and is not shown).
 *
 * <p>{@link #cpuPerOperation()} ({@code -Dtest=NfsGatewayBench#cpuPerOperation}) prints what matters in a
 * TCG guest, where the server's CPU sets the rate: CPU microseconds per create, stat and unlink through the
 * gateway, by thread group, over {@code bench.cpu.rounds} (6) rounds of {@code bench.cpu.files} (2000)
 * files after {@code bench.cpu.warmup} (2) rounds, with a {@link Destroyer} running as in {@code nacre up};
 * {@code bench.cpu.stat.passes} (1) stats each file that many times per round.
 */
@Tag("bench")
class NfsGatewayBench {

    private static final int FILES = Integer.getInteger("bench.files", 1000);
    private static final int MIB = Integer.getInteger("bench.mib", 256);
    private static final int ROUNDS = Integer.getInteger("bench.rounds", 2);
    private static final int IN_FLIGHT = 8;
    /** The last sequence id of each slot of the bench's session (a slot is used by one thread at a time). */
    private static final int[] SEQS = new int[64];
    /** What Linux asks of a file after LOOKUP and OPEN (nfs4_fattr_bitmap). */
    private static final int[] LINUX_ATTRS = Bitmap.of(AttrNum.TYPE, AttrNum.CHANGE, AttrNum.SIZE, AttrNum.FSID,
            AttrNum.FILEID, AttrNum.MODE, AttrNum.NUMLINKS, AttrNum.OWNER, AttrNum.OWNER_GROUP, AttrNum.RAWDEV,
            AttrNum.SPACE_USED, AttrNum.TIME_ACCESS, AttrNum.TIME_METADATA, AttrNum.TIME_MODIFY,
            AttrNum.MOUNTED_ON_FILEID);

    /** Rates of one way of doing the bench's operations, and the metadata-service calls each made (per MiB or file). */
    record Row(String name, double writeMBps, double readMBps, double create, double stat, double unlink,
               double[] calls) {
        double[] values() {
            return new double[] {writeMBps, readMBps, create, stat, unlink};
        }
    }

    /** Counts the calls made to the metadata service (the real one, which it calls on). */
    static final class Counting implements java.lang.reflect.InvocationHandler {
        final MetadataService target;
        final java.util.concurrent.atomic.LongAdder calls = new java.util.concurrent.atomic.LongAdder();

        Counting(MetadataService target) {
            this.target = target;
        }

        MetadataService proxy() {
            return (MetadataService) java.lang.reflect.Proxy.newProxyInstance(MetadataService.class.getClassLoader(),
                    new Class<?>[] {MetadataService.class}, this);
        }

        @Override
        public Object invoke(Object proxy, java.lang.reflect.Method m, Object[] args) throws Throwable {
            calls.increment();
            try {
                return m.invoke(target, args);
            } catch (java.lang.reflect.InvocationTargetException e) {
                throw e.getCause();
            }
        }

        /** Calls since the last look. */
        long take() {
            return calls.sumThenReset();
        }
    }

    @Test
    void gatewayAgainstCore() throws Exception {
        Path dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "nfs-bench");
        double load0 = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        List<Row> rows = new ArrayList<>();
        try (EmbeddedCore core = EmbeddedCore.start(dir)) {
            Counting counting = new Counting(core.metadata());
            MetadataService mds = counting.proxy();
            FileIo io = new FileIo(mds, core.objects());
            NfsServer server = NfsServer.builder(mds, io).port(0)
                    .exports(ExportTable.parse("/ 127.0.0.1(rw,no_root_squash)"))
                    .leaseTime(Duration.ofSeconds(30)).build().start();
            try (NfsTestClient c = NfsTestClient.connect(server.address()).mount("bench")) {
                for (int round = 0; round < ROUNDS; round++) {
                    Row core0 = onCore(mds, io, counting, "core-" + round);
                    Row nfs0 = overNfs(c, counting, "nfs-" + round);
                    if (round == ROUNDS - 1) {
                        rows.add(core0);
                        rows.add(nfs0);
                    }
                }
            } finally {
                server.close();
                io.close();
            }
        } finally {
            deleteTree(dir);
        }
        double load1 = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%nNfsGatewayBench: %d files, %d MiB, %d rounds, load %.1f -> %.1f%n",
                FILES, MIB, ROUNDS, load0, load1));
        out.append(String.format(Locale.ROOT, "%-12s %12s %12s %10s %10s %10s%n", "path", "write MB/s", "read MB/s",
                "create/s", "stat/s", "unlink/s"));
        for (Row r : rows) {
            double[] v = r.values();
            out.append(String.format(Locale.ROOT, "%-12s %12.1f %12.1f %10.0f %10.0f %10.0f%n", r.name(), v[0], v[1],
                    v[2], v[3], v[4]));
        }
        double[] base = rows.get(0).values();
        double[] nfs = rows.get(1).values();
        out.append(String.format(Locale.ROOT, "%-12s", "nfs/core"));
        for (int i = 0; i < base.length; i++) {
            out.append(String.format(Locale.ROOT, i < 2 ? " %11.2fx" : " %9.2fx", nfs[i] / base[i]));
        }
        out.append(String.format(Locale.ROOT, "%n%-12s %12s %12s %10s %10s %10s%n", "MDS calls", "per MiB", "per MiB",
                "per file", "per file", "per file"));
        for (Row r : rows) {
            double[] v = r.calls();
            out.append(String.format(Locale.ROOT, "%-12s %12.2f %12.2f %10.2f %10.2f %10.2f%n", r.name(), v[0], v[1],
                    v[2], v[3], v[4]));
        }
        System.out.println(out);
    }

    /** CPU time of the process and of each live thread, for per-operation deltas. */
    record CpuSnapshot(long process, Map<Long, String> names, Map<Long, Long> threads) {
        static CpuSnapshot take() {
            ThreadMXBean tm = ManagementFactory.getThreadMXBean();
            Map<Long, String> names = new HashMap<>();
            Map<Long, Long> cpu = new HashMap<>();
            for (ThreadInfo ti : tm.getThreadInfo(tm.getAllThreadIds())) {
                if (ti != null) {
                    long t = tm.getThreadCpuTime(ti.getThreadId());
                    if (t >= 0) {
                        names.put(ti.getThreadId(), ti.getThreadName());
                        cpu.put(ti.getThreadId(), t);
                    }
                }
            }
            long process = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                    .getProcessCpuTime();
            return new CpuSnapshot(process, names, cpu);
        }

        /**
         * Nanoseconds of CPU since {@code before}, by thread group (a thread's name with its numbers
         * blanked); "(gc, jit, ended)" is the process's CPU that no live thread accounts for.
         */
        Map<String, Long> since(CpuSnapshot before) {
            Map<String, Long> groups = new TreeMap<>();
            long threadSum = 0;
            for (var e : threads.entrySet()) {
                long d = e.getValue() - before.threads().getOrDefault(e.getKey(), 0L);
                threadSum += d;
                groups.merge(names.get(e.getKey()).replaceAll("\\d+", "#"), d, Long::sum);
            }
            groups.put("(gc, jit, ended)", process - before.process() - threadSum);
            return groups;
        }
    }

    /**
     * Context switches of every thread of the process (Linux's /proc/self/task/N/status), 0 elsewhere: each
     * hand-off of a request between threads is one or two, and under TCG each costs a trip through the
     * guest's emulated kernel.
     */
    static long contextSwitches() {
        long n = 0;
        try (var tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path t : tasks) {
                try {
                    for (String line : Files.readAllLines(t.resolve("status"))) {
                        if (line.startsWith("voluntary_ctxt_switches:") || line.startsWith("nonvoluntary_ctxt_switches:")) {
                            n += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                        }
                    }
                } catch (java.io.IOException e) {
                    // the thread ended meanwhile
                }
            }
        } catch (java.io.IOException e) {
            return 0;
        }
        return n;
    }

    /** What the server's threads spent per operation of each phase, rounds after the warm-up. */
    @Test
    void cpuPerOperation() throws Exception {
        int files = Integer.getInteger("bench.cpu.files", 2000);
        int rounds = Integer.getInteger("bench.cpu.rounds", 6);
        int warmup = Integer.getInteger("bench.cpu.warmup", 2);
        // -Dbench.cpu.phases=create,open,stat,unlink adds an OPEN of each existing file and its CLOSE
        String[] phases = System.getProperty("bench.cpu.phases", "create,stat,unlink").split(",");
        // -Dbench.gateway=NAME names the gateway as a cluster node's (its opens then marked on the MDS)
        String gateway = System.getProperty("bench.gateway");
        // -Dbench.cpu.settle=MS waits that long at the end of each phase, inside its measurement: a named gateway's
        // unmarks go 1-2 s after the closes (counted in the phase that closed), and the next phase's opens find no
        // mark left to reuse
        long settle = Long.getLong("bench.cpu.settle", 0);
        // -Dbench.cpu.stat.passes=N stats each file N times per round (counted per stat): a round's 2000 stats are
        // some 60 ms of the server's CPU, too little to read a change of a few percent off a shared host
        int statPasses = Integer.getInteger("bench.cpu.stat.passes", 1);
        List<Map<String, Map<String, Long>>> measured = new ArrayList<>();
        Path dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "nfs-cpu-bench");
        try (EmbeddedCore core = EmbeddedCore.start(dir)) {
            MetadataService mds = core.metadata();
            FileIo io = new FileIo(mds, core.objects());
            Destroyer destroyer = new Destroyer(io);
            destroyer.start();
            NfsServer.Builder nfs = NfsServer.builder(mds, io).port(0)
                    .exports(ExportTable.parse("/ 127.0.0.1(rw,no_root_squash)"))
                    .leaseTime(Duration.ofSeconds(30));
            if (gateway != null) {
                nfs.gatewayName(gateway);
            }
            NfsServer server = nfs.build().start();
            try (NfsTestClient c = NfsTestClient.connect(server.address()).mount("cpu-bench")) {
                NfsFs fs = new NfsFs(c, "cpu-bench-owner");
                StateOwner4 owner = new StateOwner4(c.clientid(), bytes("cpu-bench"));
                int[] seq = {0};
                for (int round = 0; round < warmup + rounds; round++) {
                    byte[] d = fs.mkdir(fs.root(), "cpu-" + round, 0755);
                    Map<String, Map<String, Long>> byPhase = new HashMap<>();
                    for (String phase : phases) {
                        long switches = contextSwitches();
                        Map<Long, Long> allocated = allocatedBytes();
                        CpuSnapshot before = CpuSnapshot.take();
                        int passes = phase.equals("stat") ? statPasses : 1;
                        for (int pass = 0; pass < passes; pass++) {
                            for (int i = 0; i < files; i++) {
                                linuxCompounds(c, seq, owner, d, phase, "f" + i);
                            }
                        }
                        if (settle > 0) {
                            Thread.sleep(settle); // what the phase left to the background, counted in it
                        }
                        CpuSnapshot after = CpuSnapshot.take();
                        Map<String, Long> spent = after.since(before);
                        spent.put(SWITCHES, contextSwitches() - switches);
                        spent.put(SELECTOR_ALLOCATED, selectorAllocated(allocated, after));
                        spent.replaceAll((k, v) -> v / passes); // per operation, as for the other phases
                        byPhase.put(phase, spent);
                    }
                    if (round >= warmup) {
                        measured.add(byPhase);
                    }
                }
            } finally {
                server.close();
                destroyer.close();
                io.close();
            }
        } finally {
            deleteTree(dir);
        }
        System.out.println(cpuTable(measured, phases, files));
    }

    /**
     * The server's CPU per MiB of a sequential stream, by thread group, straight on {@link FileIo} (the core's
     * share) and through the gateway (1 MiB UNSTABLE WRITE+GETATTR with {@code IN_FLIGHT} outstanding, COMMIT;
     * 1 MiB READs as many at once), so that the gateway's share is the difference: median of
     * {@code bench.cpu.rounds} (5) rounds of {@code bench.cpu.mib} (128) MiB after {@code bench.cpu.warmup} (2).
     * The stream's threads are one pool for the whole run (a pool's ended threads would hide their CPU): on the
     * core they do the engine's work and count as the server's, over NFS they are the client and do not.
     */
    @Test
    void cpuPerMiB() throws Exception {
        int mib = Integer.getInteger("bench.cpu.mib", 128);
        int rounds = Integer.getInteger("bench.cpu.rounds", 5);
        int warmup = Integer.getInteger("bench.cpu.warmup", 2);
        String[] phases = {"core write", "core read", "nfs write", "nfs read"};
        List<Map<String, Map<String, Long>>> measured = new ArrayList<>();
        Path dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "nfs-mib-bench");
        java.util.concurrent.atomic.AtomicInteger named = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.ExecutorService stream = java.util.concurrent.Executors.newFixedThreadPool(IN_FLIGHT,
                r -> new Thread(r, "bench-stream-" + named.incrementAndGet()));
        try (EmbeddedCore core = EmbeddedCore.start(dir)) {
            MetadataService mds = core.metadata();
            FileIo io = new FileIo(mds, core.objects());
            NfsServer server = NfsServer.builder(mds, io).port(0)
                    .exports(ExportTable.parse("/ 127.0.0.1(rw,no_root_squash)"))
                    .leaseTime(Duration.ofSeconds(30)).build().start();
            try (NfsTestClient c = NfsTestClient.connect(server.address()).mount("mib-bench")) {
                NfsFs fs = new NfsFs(c, "mib-bench-owner");
                byte[] chunk = new byte[1 << 20];
                new java.util.Random(42).nextBytes(chunk);
                for (int round = 0; round < warmup + rounds; round++) {
                    Map<String, Map<String, Long>> byPhase = new HashMap<>();
                    Fid big = mds.create(Caller.ROOT, Fid.ROOT, "core-" + round,
                            CreateSpec.builder(FileType.REGULAR).mode(0644).build()).attr().fid();
                    byPhase.put("core write", cpuOf(() -> {
                        SlotRunner.run(stream, mib, IN_FLIGHT, (i, slot) -> io.write(big, (long) i << 20,
                                ByteBuffer.wrap(chunk), Durability.UNSTABLE));
                        io.commit(big);
                    }));
                    byPhase.put("core read", cpuOf(() -> SlotRunner.run(stream, mib, IN_FLIGHT,
                            (i, slot) -> io.read(big, (long) i << 20, ByteBuffer.allocate(1 << 20)))));
                    NfsFs.Opened f = fs.create(fs.root(), "nfs-" + round, 0644);
                    byPhase.put("nfs write", cpuOf(() -> {
                        SlotRunner.run(stream, mib, IN_FLIGHT, (i, slot) -> ok(c.onSlot(slot, ++SEQS[slot], false,
                                new PutfhArgs(f.fh()), new WriteArgs(f.stateid(), (long) i << 20, Nfs4.UNSTABLE4,
                                        ByteBuffer.wrap(chunk)), new GetattrArgs(Bitmap.of(AttrNum.CHANGE,
                                        AttrNum.SIZE)))));
                        ok(c.call(new PutfhArgs(f.fh()), new CommitArgs(0, 0)));
                    }));
                    byPhase.put("nfs read", cpuOf(() -> SlotRunner.run(stream, mib, IN_FLIGHT, (i, slot) ->
                            ok(c.onSlot(slot, ++SEQS[slot], false, new PutfhArgs(f.fh()),
                                    new ReadArgs(f.stateid(), (long) i << 20, 1 << 20))))));
                    fs.close(f);
                    if (round >= warmup) {
                        measured.add(byPhase);
                    }
                }
            } finally {
                server.close();
                io.close();
            }
        } finally {
            stream.shutdownNow();
            deleteTree(dir);
        }
        System.out.println(cpuPerMiBTable(measured, phases, mib));
    }

    @FunctionalInterface
    interface Timed {
        void run() throws Exception;
    }

    /**
     * The CPU by thread group that {@code work} took, as {@link CpuSnapshot#since}, and the heap bytes each
     * group allocated meanwhile (under {@link #ALLOCATED} + the group's name).
     */
    private static Map<String, Long> cpuOf(Timed work) throws Exception {
        Map<Long, Long> allocated = allocatedBytes();
        CpuSnapshot before = CpuSnapshot.take();
        work.run();
        CpuSnapshot after = CpuSnapshot.take();
        Map<String, Long> spent = after.since(before);
        for (var e : allocatedBytes().entrySet()) {
            String name = after.names().get(e.getKey());
            if (name != null) {
                spent.merge(ALLOCATED + name.replaceAll("\\d+", "#"),
                        e.getValue() - allocated.getOrDefault(e.getKey(), 0L), Long::sum);
            }
        }
        return spent;
    }

    /** Not a thread group: the prefix of a group's allocated bytes in {@link #cpuOf}'s map. */
    private static final String ALLOCATED = "(allocated) ";

    /** Heap bytes each live thread allocated so far. */
    private static Map<Long, Long> allocatedBytes() {
        var tm = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long[] ids = tm.getAllThreadIds();
        long[] bytes = tm.getThreadAllocatedBytes(ids);
        Map<Long, Long> out = new HashMap<>();
        for (int i = 0; i < ids.length; i++) {
            if (bytes[i] >= 0) {
                out.put(ids[i], bytes[i]);
            }
        }
        return out;
    }

    /**
     * Per phase: the server's CPU ms per MiB (the process's less the bench's main thread, and over NFS less the
     * client's: the stream's threads, the test client's transport and its reply timer), median and range over
     * the rounds, and the heap the server's threads allocated per MiB, then the thread groups that took at least
     * 1% of the CPU, by median.
     */
    private static String cpuPerMiBTable(List<Map<String, Map<String, Long>>> rounds, String[] phases, int mib) {
        StringBuilder out = new StringBuilder();
        String main = Thread.currentThread().getName().replaceAll("\\d+", "#");
        out.append(String.format(Locale.ROOT, "%nNfsGatewayBench CPU per MiB: %d MiB x %d rounds, load %.1f, JVM %s %s%n",
                mib, rounds.size(), ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
                System.getProperty("java.vm.version"), ManagementFactory.getRuntimeMXBean().getInputArguments()
                        .stream().filter(a -> a.startsWith("-XX:Tiered") || a.startsWith("-XX:+Use")).toList()));
        out.append(String.format(Locale.ROOT, "%-11s %14s %8s %8s   %s%n", "phase", "server ms/MiB", "min", "max",
                "per round"));
        Map<String, Map<String, double[]>> groupsByPhase = new HashMap<>();
        for (String phase : phases) {
            boolean overNfs = phase.startsWith("nfs");
            double[] server = new double[rounds.size()];
            double[] allocated = new double[rounds.size()];
            Map<String, double[]> groups = new TreeMap<>();
            for (int r = 0; r < rounds.size(); r++) {
                long total = 0;
                long client = 0;
                for (var e : rounds.get(r).get(phase).entrySet()) {
                    boolean isAllocation = e.getKey().startsWith(ALLOCATED);
                    String g = isAllocation ? e.getKey().substring(ALLOCATED.length()) : e.getKey();
                    boolean isClient = g.equals(main) || overNfs && (g.startsWith("bench-stream")
                            || g.contains("test-nfs-client") || g.contains("ReplyQueue"));
                    if (isAllocation) {
                        if (!isClient) {
                            allocated[r] += e.getValue() / (double) (1 << 20) / mib;
                        }
                        continue;
                    }
                    total += e.getValue();
                    if (isClient) {
                        client += e.getValue();
                    } else {
                        groups.computeIfAbsent(g, k -> new double[rounds.size()])[r] = e.getValue() / 1e6 / mib;
                    }
                }
                server[r] = (total - client) / 1e6 / mib;
            }
            groupsByPhase.put(phase, groups);
            appendRow(out, "%-11s %14.2f %8.2f %8.2f  %s; MiB allocated/MiB %.2f%n", phase, server, " %.2f",
                    median(allocated));
        }
        appendGroups(out, phases, groupsByPhase, "server ms/MiB", "%8.3f");
        return out.toString();
    }

    /** Not a thread group: the process's context switches (client's included) in a phase. */
    private static final String SWITCHES = "(context switches)";
    /** Not a thread group: the heap bytes the server's RPC selector threads allocated in a phase. */
    private static final String SELECTOR_ALLOCATED = "(selector allocated)";

    /** The heap bytes the server's RPC selectors ({@code nacre-nfs(N) SelectorRunner}) allocated since {@code before}. */
    private static long selectorAllocated(Map<Long, Long> before, CpuSnapshot now) {
        long n = 0;
        for (var e : allocatedBytes().entrySet()) {
            String name = now.names().get(e.getKey());
            if (name != null && name.startsWith("nacre-nfs")) {
                n += e.getValue() - before.getOrDefault(e.getKey(), 0L);
            }
        }
        return n;
    }

    /** The slot the CPU bench's compounds go on (slot 0 is the helpers' of NfsTestClient.call). */
    private static final int BENCH_SLOT = 5;

    /**
     * One file's step of a phase, in the compounds the Linux client sends (one slot, caching the reply only
     * of the non-idempotent ones, as Linux asks): OPEN(create)+GETFH+ACCESS+GETATTR then CLOSE+GETATTR;
     * LOOKUP+GETFH+GETATTR; REMOVE.
     */
    static void linuxCompounds(NfsTestClient c, int[] seq, StateOwner4 owner, byte[] dir, String phase,
                                       String name) throws Exception {
        switch (phase) {
            case "create" -> {
                CompoundRes r = ok(c.onSlot(BENCH_SLOT, ++seq[0], true, new PutfhArgs(dir), OpenArgs.create(owner,
                        Nfs4.OPEN4_SHARE_ACCESS_BOTH, 0, bytes(name), Nfs4.GUARDED4, NfsFs.mode(0644), 0),
                        new VoidArgs(OpNum.GETFH), new AccessArgs(Nfs4.ACCESS4_READ | Nfs4.ACCESS4_MODIFY),
                        new GetattrArgs(LINUX_ATTRS)));
                byte[] fh = result(r, OpNum.GETFH).body(GetfhRes.class).fh();
                Stateid4 st = result(r, OpNum.OPEN).body(OpenRes.class).stateid();
                ok(c.onSlot(BENCH_SLOT, ++seq[0], true, new PutfhArgs(fh), new CloseArgs(0, st), new GetattrArgs(LINUX_ATTRS)));
            }
            case "open" -> {
                // open(2) of an existing file for reading, then close(2), as Linux sends them
                CompoundRes r = ok(c.onSlot(BENCH_SLOT, ++seq[0], true, new PutfhArgs(dir), OpenArgs.byName(owner,
                        Nfs4.OPEN4_SHARE_ACCESS_READ, 0, bytes(name)), new VoidArgs(OpNum.GETFH),
                        new AccessArgs(Nfs4.ACCESS4_READ), new GetattrArgs(LINUX_ATTRS)));
                byte[] fh = result(r, OpNum.GETFH).body(GetfhRes.class).fh();
                Stateid4 st = result(r, OpNum.OPEN).body(OpenRes.class).stateid();
                ok(c.onSlot(BENCH_SLOT, ++seq[0], true, new PutfhArgs(fh), new CloseArgs(0, st), new GetattrArgs(LINUX_ATTRS)));
            }
            case "stat" -> ok(c.onSlot(BENCH_SLOT, ++seq[0], false, new PutfhArgs(dir), new LookupArgs(bytes(name)),
                    new VoidArgs(OpNum.GETFH), new GetattrArgs(LINUX_ATTRS)));
            case "unlink" -> ok(c.onSlot(BENCH_SLOT, ++seq[0], true, new PutfhArgs(dir), new RemoveArgs(bytes(name))));
            default -> throw new IllegalArgumentException(phase);
        }
    }

    /**
     * Per phase: the server's CPU per operation (the process's less the client's: the bench thread, the
     * test client's transport threads and its reply timer), median and range over the rounds, the heap bytes the
     * RPC selectors allocated per operation (median), then the thread groups that took at least 1% of it, by median.
     */
    private static String cpuTable(List<Map<String, Map<String, Long>>> rounds, String[] phases, int files) {
        StringBuilder out = new StringBuilder();
        String main = Thread.currentThread().getName().replaceAll("\\d+", "#");
        out.append(String.format(Locale.ROOT, "%nNfsGatewayBench CPU: %d files x %d rounds, JVM %s %s%n", files,
                rounds.size(), System.getProperty("java.vm.version"),
                ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                        .filter(a -> a.startsWith("-XX:Tiered") || a.startsWith("-XX:+Use")).toList()));
        out.append(String.format(Locale.ROOT, "%-10s %12s %12s %12s   %s%n", "phase", "server us/op", "min", "max",
                "per round"));
        Map<String, Map<String, double[]>> groupsByPhase = new HashMap<>();
        for (String phase : phases) {
            double[] server = new double[rounds.size()];
            double[] switches = new double[rounds.size()];
            double[] selectorBytes = new double[rounds.size()];
            Map<String, double[]> groups = new TreeMap<>();
            for (int r = 0; r < rounds.size(); r++) {
                long total = 0;
                long client = 0;
                for (var e : rounds.get(r).get(phase).entrySet()) {
                    if (e.getKey().equals(SWITCHES)) {
                        switches[r] = e.getValue() / (double) files;
                        continue;
                    }
                    if (e.getKey().equals(SELECTOR_ALLOCATED)) {
                        selectorBytes[r] = e.getValue() / (double) files;
                        continue;
                    }
                    total += e.getValue();
                    if (e.getKey().equals(main) || e.getKey().contains("test-nfs-client")
                            || e.getKey().contains("ReplyQueue")) {
                        client += e.getValue();
                    }
                    groups.computeIfAbsent(e.getKey(), k -> new double[rounds.size()])[r] = e.getValue() / 1e3 / files;
                }
                server[r] = (total - client) / 1e3 / files;
            }
            groupsByPhase.put(phase, groups);
            appendRow(out, "%-10s %12.1f %12.1f %12.1f  %s; context switches/op %.1f%n", phase, server, " %.0f",
                    median(switches));
            out.append(String.format(Locale.ROOT, "%-10s selector allocated B/op %.0f%n", phase, median(selectorBytes)));
        }
        appendGroups(out, phases, groupsByPhase, "us/op", "%8.1f");
        return out.toString();
    }

    /**
     * A phase's row: {@code rowFormat} of the phase, the server's median, min and max over the rounds, every
     * round's value (each in {@code eachFormat}) and {@code extra}.
     */
    private static void appendRow(StringBuilder out, String rowFormat, String phase, double[] server,
                                  String eachFormat, double extra) {
        double[] sorted = server.clone();
        java.util.Arrays.sort(sorted);
        StringBuilder each = new StringBuilder();
        for (double v : server) {
            each.append(String.format(Locale.ROOT, eachFormat, v));
        }
        out.append(String.format(Locale.ROOT, rowFormat, phase, median(server), sorted[0], sorted[sorted.length - 1],
                each, extra));
    }

    /** Per phase, the thread groups that took at least 1% of its CPU, by median, largest first. */
    private static void appendGroups(StringBuilder out, String[] phases, Map<String, Map<String, double[]>> byPhase,
                                     String unit, String valueFormat) {
        for (String phase : phases) {
            Map<String, double[]> groups = byPhase.get(phase);
            double all = groups.values().stream().mapToDouble(NfsGatewayBench::median).sum();
            out.append(String.format(Locale.ROOT, "%s, %s by thread group (median):%n", phase, unit));
            groups.entrySet().stream()
                    .sorted((a, b) -> Double.compare(median(b.getValue()), median(a.getValue())))
                    .filter(e -> median(e.getValue()) >= all / 100)
                    .forEach(e -> out.append(String.format(Locale.ROOT, "  %-44s " + valueFormat + "%n", e.getKey(),
                            median(e.getValue()))));
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** The baseline: the calls the gateway makes underneath, made directly. */
    private static Row onCore(MetadataService mds, FileIo io, Counting counting, String name) {
        Fid dir = mds.create(Caller.ROOT, Fid.ROOT, name, CreateSpec.builder(FileType.DIRECTORY).mode(0755).build())
                .attr().fid();
        Fid big = mds.create(Caller.ROOT, dir, "big", CreateSpec.builder(FileType.REGULAR).mode(0644).build()).attr()
                .fid();
        byte[] chunk = new byte[1 << 20];
        double[] calls = new double[5];
        counting.take();
        long t0 = System.nanoTime();
        parallel(MIB, i -> io.write(big, (long) i << 20, ByteBuffer.wrap(chunk), Durability.UNSTABLE));
        io.commit(big);
        double write = MIB / secondsSince(t0);
        calls[0] = counting.take() / (double) MIB;
        t0 = System.nanoTime();
        parallel(MIB, i -> io.read(big, (long) i << 20, ByteBuffer.allocate(1 << 20)));
        double read = MIB / secondsSince(t0);
        calls[1] = counting.take() / (double) MIB;

        t0 = System.nanoTime();
        for (int i = 0; i < FILES; i++) {
            Attr a = mds.create(Caller.ROOT, dir, "f" + i, CreateSpec.builder(FileType.REGULAR).mode(0644).build())
                    .attr();
            mds.access(Caller.ROOT, a.fid(), Access.ALL);
        }
        double create = FILES / secondsSince(t0);
        calls[2] = counting.take() / (double) FILES;
        t0 = System.nanoTime();
        for (int i = 0; i < FILES; i++) {
            mds.lookup(Caller.ROOT, dir, "f" + i);
        }
        double stat = FILES / secondsSince(t0);
        calls[3] = counting.take() / (double) FILES;
        t0 = System.nanoTime();
        for (int i = 0; i < FILES; i++) {
            mds.remove(Caller.ROOT, dir, "f" + i, MetadataService.RemoveKind.FILE);
        }
        double unlink = FILES / secondsSince(t0);
        calls[4] = counting.take() / (double) FILES;
        return new Row(name.replaceFirst("-\\d+$", ""), write, read, create, stat, unlink, calls);
    }

    /** The same through the gateway, in the Linux client's compounds. */
    private static Row overNfs(NfsTestClient c, Counting counting, String name) throws Exception {
        NfsFs fs = new NfsFs(c, "bench-owner");
        StateOwner4 owner = new StateOwner4(c.clientid(), bytes("bench-" + name));
        byte[] dir = fs.mkdir(fs.root(), name, 0755);
        NfsFs.Opened big = fs.create(dir, "big", 0644);
        byte[] chunk = new byte[1 << 20];
        double[] calls = new double[5];
        counting.take();
        long t0 = System.nanoTime();
        SlotRunner.run(MIB, IN_FLIGHT, (i, slot) -> ok(c.onSlot(slot, ++SEQS[slot], false,
                new PutfhArgs(big.fh()), new WriteArgs(big.stateid(), (long) i << 20, Nfs4.UNSTABLE4,
                        ByteBuffer.wrap(chunk)), new GetattrArgs(Bitmap.of(AttrNum.CHANGE, AttrNum.SIZE)))));
        ok(c.call(new PutfhArgs(big.fh()), new CommitArgs(0, 0)));
        double write = MIB / secondsSince(t0);
        calls[0] = counting.take() / (double) MIB;
        t0 = System.nanoTime();
        SlotRunner.run(MIB, IN_FLIGHT, (i, slot) -> ok(c.onSlot(slot, ++SEQS[slot], false,
                new PutfhArgs(big.fh()), new ReadArgs(big.stateid(), (long) i << 20, 1 << 20))));
        double read = MIB / secondsSince(t0);
        calls[1] = counting.take() / (double) MIB;
        fs.close(big);

        t0 = System.nanoTime();
        for (int i = 0; i < FILES; i++) {
            CompoundRes r = ok(c.call(new PutfhArgs(dir), OpenArgs.create(owner, Nfs4.OPEN4_SHARE_ACCESS_BOTH, 0,
                    bytes("f" + i), Nfs4.GUARDED4, NfsFs.mode(0644), 0), new VoidArgs(OpNum.GETFH),
                    new AccessArgs(Nfs4.ACCESS4_READ | Nfs4.ACCESS4_MODIFY), new GetattrArgs(LINUX_ATTRS)));
            byte[] fh = result(r, OpNum.GETFH).body(GetfhRes.class).fh();
            Stateid4 st = result(r, OpNum.OPEN).body(OpenRes.class).stateid();
            ok(c.call(new PutfhArgs(fh), new CloseArgs(0, st), new GetattrArgs(LINUX_ATTRS)));
        }
        double create = FILES / secondsSince(t0);
        calls[2] = counting.take() / (double) FILES;
        t0 = System.nanoTime();
        for (int i = 0; i < FILES; i++) {
            ok(c.call(new PutfhArgs(dir), new LookupArgs(bytes("f" + i)), new VoidArgs(OpNum.GETFH),
                    new GetattrArgs(LINUX_ATTRS)));
        }
        double stat = FILES / secondsSince(t0);
        calls[3] = counting.take() / (double) FILES;
        t0 = System.nanoTime();
        for (int i = 0; i < FILES; i++) {
            ok(c.call(new PutfhArgs(dir), new RemoveArgs(bytes("f" + i))));
        }
        double unlink = FILES / secondsSince(t0);
        calls[4] = counting.take() / (double) FILES;
        return new Row(name.replaceFirst("-\\d+$", ""), write, read, create, stat, unlink, calls);
    }

    @FunctionalInterface
    interface Chunk {
        void run(int index) throws Exception;
    }

    private static void parallel(int chunks, Chunk chunk) {
        try {
            SlotRunner.run(chunks, IN_FLIGHT, (i, slot) -> chunk.run(i));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static double secondsSince(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static void deleteTree(Path dir) throws java.io.IOException {
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
