package io.nacre.nfs.v41;

import static io.nacre.nfs.v41.NfsTestClient.ok;

import io.nacre.engine.io.FileIo;
import io.nacre.meta.testkit.EmbeddedCore;
import io.nacre.nfs.NfsServer;
import io.nacre.nfs.export.ExportTable;
import io.nacre.nfs.v41.xdr.CommitArgs;
import io.nacre.nfs.v41.xdr.Nfs4;
import io.nacre.nfs.v41.xdr.PutfhArgs;
import io.nacre.nfs.v41.xdr.ReadArgs;
import io.nacre.nfs.v41.xdr.WriteArgs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What the server pays per MiB of sequential 1 MiB READs (8 outstanding, as the kernel bench's stream): in each
 * round a fresh file is written over NFS (1 MiB UNSTABLE WRITEs, then COMMIT; not measured) and read back at once
 * (measured), so the reads find the data where a reader right after a writer does (the OSTs' WAL). Per round, of
 * the server's threads (all but the bench's and the test client's): minor page faults per MiB and CPU ms per MiB
 * from {@code /proc/self/task}, read/write-class system calls per MiB ({@code io}'s syscr + syscw), and, where
 * {@code perf} may attach, every system call per MiB ({@code raw_syscalls:sys_enter}, per thread; more events
 * with {@code -Dbench.read.events=,syscalls:sys_enter_readv,...}). The READ path is the server less the JVM's and the
 * OSTs' background threads (GC, JIT, checkpoints). Medians of {@code bench.read.rounds} rounds after
 * {@code bench.read.warmup}:
 *
 * <pre>
 * ./mvnw -B -Pbench -pl nfs-gateway -am verify -Dtest='ReadPathBench' -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 */
@Tag("bench")
class ReadPathBench {

    private static final int MIB = 1 << 20;
    private static final int IN_FLIGHT = 8;
    private final int[] seqs = new int[64];

    @Test
    void readPerMiB() throws Exception {
        int mib = Integer.getInteger("bench.read.mib", 128);
        int rounds = Integer.getInteger("bench.read.rounds", 5);
        int warmup = Integer.getInteger("bench.read.warmup", 2);
        boolean perf = Boolean.parseBoolean(System.getProperty("bench.read.perf", "true"));
        Path dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "nfs-read-bench");
        AtomicInteger named = new AtomicInteger();
        ExecutorService stream = Executors.newFixedThreadPool(IN_FLIGHT,
                r -> new Thread(r, "bench-read-" + named.incrementAndGet()));
        List<Map<String, Double>> measured = new ArrayList<>();
        try (EmbeddedCore core = EmbeddedCore.start(dir)) {
            FileIo io = new FileIo(core.metadata(), core.objects());
            NfsServer server = NfsServer.builder(core.metadata(), io).port(0)
                    .exports(ExportTable.parse("/ 127.0.0.1(rw,no_root_squash)"))
                    .leaseTime(Duration.ofSeconds(30)).build().start();
            try (NfsTestClient c = NfsTestClient.connect(server.address()).mount("read-bench")) {
                NfsFs fs = new NfsFs(c, "read-bench-owner");
                byte[] chunk = new byte[MIB];
                new java.util.Random(42).nextBytes(chunk);
                for (int round = 0; round < warmup + rounds; round++) {
                    NfsFs.Opened f = fs.create(fs.root(), "read-" + round, 0644);
                    SlotRunner.run(stream, mib, IN_FLIGHT, (i, slot) -> ok(c.onSlot(slot, ++seqs[slot], false,
                            new PutfhArgs(f.fh()), new WriteArgs(f.stateid(), (long) i * MIB, Nfs4.UNSTABLE4,
                                    ByteBuffer.wrap(chunk)))));
                    ok(c.call(new PutfhArgs(f.fh()), new CommitArgs(0, 0)));
                    Map<Long, long[]> before = tasks();
                    Perf p = perf ? Perf.attach() : null;
                    long t0 = System.nanoTime();
                    SlotRunner.run(stream, mib, IN_FLIGHT, (i, slot) -> ok(c.onSlot(slot, ++seqs[slot], false,
                            new PutfhArgs(f.fh()), new ReadArgs(f.stateid(), (long) i * MIB, MIB))));
                    long elapsed = System.nanoTime() - t0;
                    Map<String, Long> syscalls = p == null ? Map.of() : p.stop();
                    Map<Long, long[]> after = tasks();
                    fs.close(f);
                    fs.remove(fs.root(), "read-" + round);
                    if (round >= warmup) {
                        measured.add(perMiB(before, after, syscalls, mib, elapsed));
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
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
                "%nReadPathBench: %d MiB x %d rounds, 1 MiB READs, %d in flight, load %.1f; server threads, per MiB read%n",
                mib, measured.size(), IN_FLIGHT,
                java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
        TreeMap<String, List<Double>> byKey = new TreeMap<>();
        for (Map<String, Double> m : measured) {
            m.forEach((k, v) -> byKey.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
        }
        byKey.forEach((k, v) -> {
            double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            out.append(String.format(Locale.ROOT, "  %-40s median %9.3f  (%s)%n", k, a[a.length / 2],
                    String.join(" ", v.stream().map(x -> String.format(Locale.ROOT, "%.3f", x)).toList())));
        });
        System.out.println(out);
    }

    /** The bench's own threads and the test client's (the JVM's main thread is "java"): not the server's. */
    private static boolean client(String comm) {
        return comm.startsWith("bench-read") || comm.startsWith("test-nfs-cli") || comm.equals("main")
                || comm.equals("java") || comm.startsWith("ReplyQueue") || comm.startsWith("surefire")
                || comm.startsWith("test-lease");
    }

    /**
     * The JVM's own threads (GC, JIT, ...) and the OSTs' background ones (checkpoint, WAL preparation), which also
     * serve the test client in this JVM or run on their own clock: the server's threads less these are the READ path.
     */
    private static boolean background(String comm) {
        return comm.startsWith("GC Thread") || comm.matches("C\\d CompilerThre.*") || comm.startsWith("VM ")
                || comm.matches("OST\\w*-.*") || comm.startsWith("JvmPauseMonitor") || comm.startsWith("Monitor Deflati")
                || comm.startsWith("Reference Handl") || comm.startsWith("Finalizer") || comm.startsWith("Common-Cleaner")
                || comm.startsWith("process reaper") || comm.startsWith("jnr.ffi") || comm.startsWith("Signal Dispatch")
                || comm.startsWith("Service Thread") || comm.startsWith("Notification Th");
    }

    private static Map<String, Double> perMiB(Map<Long, long[]> before, Map<Long, long[]> after,
                                              Map<String, Long> syscalls, int mib, long elapsed) {
        Map<String, Double> out = new HashMap<>();
        long faults = 0;
        long cpu = 0;
        long rw = 0;
        long pathFaults = 0;
        long pathCpu = 0;
        long pathRw = 0;
        for (var e : after.entrySet()) {
            long[] a = e.getValue();
            long[] b = before.getOrDefault(e.getKey(), new long[4]);
            String comm = COMMS.getOrDefault(e.getKey(), "?");
            if (client(comm)) {
                continue;
            }
            faults += a[0] - b[0];
            cpu += a[1] - b[1];
            rw += a[2] - b[2];
            if (!background(comm)) {
                pathFaults += a[0] - b[0];
                pathCpu += a[1] - b[1];
                pathRw += a[2] - b[2];
            }
            String group = comm.replaceAll("\\d+", "#");
            out.merge("faults: " + group, (a[0] - b[0]) / (double) mib, Double::sum);
        }
        out.entrySet().removeIf(e -> e.getKey().startsWith("faults: ") && e.getValue() < 0.05);
        out.put("server minor faults/MiB", faults / (double) mib);
        out.put("server CPU ms/MiB", cpu / 1e6 / mib);
        out.put("server read+write syscalls/MiB (io)", rw / (double) mib);
        out.put("MiB/s", mib / (elapsed / 1e9));
        out.put("READ path minor faults/MiB", pathFaults / (double) mib);
        out.put("READ path CPU ms/MiB", pathCpu / 1e6 / mib);
        out.put("READ path read+write syscalls/MiB (io)", pathRw / (double) mib);
        if (!syscalls.isEmpty()) {
            long all = 0;
            long path = 0;
            for (var e : syscalls.entrySet()) {
                String[] threadAndEvent = e.getKey().split("\t");
                String thread = threadAndEvent[0];
                if (!client(thread)) {
                    boolean any = threadAndEvent[1].equals("raw_syscalls:sys_enter");
                    if (any) {
                        all += e.getValue();
                        path += background(thread) ? 0 : e.getValue();
                    }
                    String group = thread.replaceAll("\\d+", "#");
                    out.merge((any ? "syscalls: " : threadAndEvent[1] + ": ") + group, e.getValue() / (double) mib,
                            Double::sum);
                }
            }
            out.entrySet().removeIf(e -> e.getKey().contains(": ") && e.getValue() < 0.05);
            out.put("server syscalls/MiB (perf)", all / (double) mib);
            out.put("READ path syscalls/MiB (perf)", path / (double) mib);
        }
        return out;
    }

    private static final Map<Long, String> COMMS = new java.util.concurrent.ConcurrentHashMap<>();

    /** Per thread of this process: minor faults, ns on CPU, read+write-class system calls. */
    private static Map<Long, long[]> tasks() throws IOException {
        Map<Long, long[]> out = new HashMap<>();
        try (var ts = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path t : ts) {
                try {
                    long tid = Long.parseLong(t.getFileName().toString());
                    COMMS.put(tid, Files.readString(t.resolve("comm")).trim());
                    String stat = Files.readString(t.resolve("stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    long minflt = Long.parseLong(f[7]); // field 10 of stat, the 8th after the command
                    long cpu = Long.parseLong(Files.readString(t.resolve("schedstat")).trim().split(" ")[0]);
                    long rw = 0;
                    for (String line : Files.readAllLines(t.resolve("io"))) {
                        if (line.startsWith("syscr:") || line.startsWith("syscw:")) {
                            rw += Long.parseLong(line.substring(6).trim());
                        }
                    }
                    out.put(tid, new long[] {minflt, cpu, rw});
                } catch (IOException | RuntimeException e) {
                    // a thread that ended meanwhile
                }
            }
        }
        return out;
    }

    /** {@code perf stat --per-thread} of this process's system calls, from attach to stop. */
    private static final class Perf {
        private final Process process;

        private Perf(Process process) {
            this.process = process;
        }

        static Perf attach() throws Exception {
            Process p;
            try {
                p = new ProcessBuilder("perf", "stat", "--per-thread", "-x,", "-e", "raw_syscalls:sys_enter"
                        + System.getProperty("bench.read.events", ""),
                        "-p", Long.toString(ProcessHandle.current().pid())).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start();
            } catch (IOException e) {
                return null; // no perf here
            }
            Thread.sleep(500); // attached to every thread
            return new Perf(p);
        }

        /** Counts per thread (comm) and event, "comm TAB event", after stopping perf with SIGINT. */
        Map<String, Long> stop() throws Exception {
            new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).start().waitFor();
            String err = new String(process.getErrorStream().readAllBytes());
            process.waitFor(10, TimeUnit.SECONDS);
            Map<String, Long> out = new HashMap<>();
            for (String line : err.split("\n")) {
                String[] f = line.split(",");
                if (f.length > 3 && !f[1].startsWith("<") && f[1].matches("\\d+")) {
                    String thread = f[0].substring(0, Math.max(0, f[0].lastIndexOf('-')));
                    out.merge(thread + "\t" + f[3], Long.parseLong(f[1]), Long::sum);
                }
            }
            return out;
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
