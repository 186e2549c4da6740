package io.nacre.meta;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.meta.Results.Created;
import io.nacre.engine.store.OstInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What one caller's change costs on the write path of `nacre up` (one peer, in-process client): for
 * creates and then unlinks, one after the other, the context switches and CPU per change of every thread
 * group of the process (Linux's /proc/self/task), median of the rounds after the warm-up. Under TCG (the
 * kernel-client bench's guest) each hand-off between threads is a futex wake and a switch in the
 * emulated kernel, so the switches per change are the figure to watch.
 *
 * <p>It compares write paths in the same process, alternating round by round (each round runs every path,
 * in an order that rotates): {@code ratis}, today's (MetadataClient, in-process, Ratis); {@code log} and
 * {@code lmdb}, the one-peer fast path's candidates as {@link OnePeerCommit} prototypes them (the caller's
 * thread logs with pwrite + fdatasync and applies; or applies with LMDB's durable commit, no log);
 * {@code log-thread}, {@code log} on one committer thread that the caller hands its change to. With
 * {@code bench.perf=true} each measured phase also runs under {@code perf stat --per-thread} (system calls
 * by thread; needs perf and the right to trace this process).
 *
 * <p>Run: {@code ./mvnw -B -Pbench -pl raft-meta -am verify -Dtest=WritePathBench}. System properties:
 * bench.files (per phase, 2000), bench.rounds (5), bench.warmup (4), bench.paths (ratis,log,log-thread,lmdb),
 * bench.perf (false), bench.dir (where the data goes; a tmpfs such as /dev/shm takes the disk's flush out of the
 * latency and leaves the hand-offs and the CPU).
 */
@Tag("bench")
class WritePathBench {

    private static final int FILES = Integer.getInteger("bench.files", 2000);
    private static final int ROUNDS = Integer.getInteger("bench.rounds", 5);
    private static final int WARMUP = Integer.getInteger("bench.warmup", 4);
    private static final List<String> PATHS =
            List.of(System.getProperty("bench.paths", "ratis,log,log-thread,lmdb").split(","));
    private static final boolean PERF = Boolean.getBoolean("bench.perf");
    private static final String[] PHASES = {"create", "unlink"};

    /** Context switches and CPU (ns) of one thread at one moment. */
    private record Task(String group, long switches, long involuntary, long cpuTicks) {
    }

    /** One write path: a directory for the round, then a create or an unlink of one of its files per call. */
    private interface WritePath {
        Fid mkdir(String name) throws IOException;

        void change(String phase, Fid dir, String name) throws IOException;
    }

    private static WritePath ratis(MetadataClient mds) {
        return new WritePath() {
            @Override
            public Fid mkdir(String name) {
                return mds.create(Caller.ROOT, Fid.ROOT, name, CreateSpec.directory(0755)).attr().fid();
            }

            @Override
            public void change(String phase, Fid dir, String name) {
                if (phase.equals("create")) {
                    mds.create(Caller.ROOT, dir, name, CreateSpec.file(0644));
                } else {
                    mds.remove(Caller.ROOT, dir, name, MetadataService.RemoveKind.FILE);
                }
            }
        };
    }

    /** A fresh file system in {@code c}: formatted, four OSTs. */
    private static OnePeerCommit formatted(OnePeerCommit c) throws IOException {
        c.one(new Op.Format(1));
        for (int i = 0; i < 4; i++) {
            c.one(new Op.RegisterOst(new OstInfo(i, i < 2 ? Set.of("fast") : Set.of(), "")));
        }
        return c;
    }

    /**
     * The prototype's path: on the caller's thread, or, with {@code committer}, on that one thread, the caller
     * waiting for it (the hand-off an NFS selector's asynchronous change would make: it must not wait for a disk).
     */
    private static WritePath direct(OnePeerCommit c, ExecutorService committer) {
        return new WritePath() {
            @Override
            public Fid mkdir(String name) throws IOException {
                return ((Created) one(new Op.Create(Caller.ROOT, Fid.ROOT, name, CreateSpec.directory(0755), null,
                        null))).attr().fid();
            }

            @Override
            public void change(String phase, Fid dir, String name) throws IOException {
                if (phase.equals("create")) {
                    one(new Op.Create(Caller.ROOT, dir, name, CreateSpec.file(0644), null, null));
                } else {
                    one(new Op.Remove(Caller.ROOT, dir, name, MetadataService.RemoveKind.FILE));
                }
            }

            private Object one(Op op) throws IOException {
                if (committer == null) {
                    return c.one(op);
                }
                try {
                    return committer.submit(() -> c.one(op)).get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(e);
                } catch (ExecutionException e) {
                    throw new IOException(e.getCause());
                }
            }
        };
    }

    @Test
    void oneCaller() throws Exception {
        Path base = Files.createTempDirectory(Path.of(System.getProperty("bench.dir", System.getProperty("java.io.tmpdir"))),
                "write-path-bench");
        // path/phase -> group -> per-round figures (switches, cpu us, involuntary, system calls) per change
        Map<String, Map<String, List<double[]>>> measured = new HashMap<>();
        Map<String, List<Double>> latency = new HashMap<>();
        double load0 = loadAverage();
        try (Cluster cluster = new Cluster(base.resolve("ratis"), 1, 100_000, 32L << 20);
             MetadataClient mds = MetadataClient.builder().peers(cluster.peers).inProcess(true).build();
             OnePeerCommit log = new OnePeerCommit(Files.createDirectories(base.resolve("log")), OnePeerCommit.Mode.LOG);
             OnePeerCommit lmdb = new OnePeerCommit(Files.createDirectories(base.resolve("lmdb")),
                     OnePeerCommit.Mode.LMDB)) {
            TestServers.registerOsts(mds, 4);
            ExecutorService committer = Executors.newSingleThreadExecutor(Thread.ofPlatform().name("mds-commit").factory());
            Map<String, WritePath> paths = Map.of("ratis", ratis(mds), "log", direct(formatted(log), null),
                    "log-thread", direct(log, committer), "lmdb", direct(formatted(lmdb), null));
            try {
                for (int round = 0; round < WARMUP + ROUNDS; round++) {
                    if (round == 0) {
                        // For strace -ff: which Linux thread is which Java thread.
                        StringBuilder ids = new StringBuilder();
                        javaNames().forEach((tid, name) -> ids.append(tid).append(' ').append(name).append('\n'));
                        Files.writeString(Path.of(System.getProperty("java.io.tmpdir"), "write-path-threads.txt"), ids);
                    }
                    for (int p = 0; p < PATHS.size(); p++) {
                        String pathName = PATHS.get((p + round) % PATHS.size());
                        WritePath path = paths.get(pathName);
                        Fid dir = path.mkdir(pathName + round); // "log" and "log-thread" share a store
                        for (String phase : PHASES) {
                            boolean measuring = round >= WARMUP;
                            PerfStat perf = measuring && PERF ? PerfStat.start() : null;
                            Map<Long, Task> before = tasks();
                            if (perf != null) {
                                perf.command("enable"); // after the reads of /proc, which make system calls of their own
                            }
                            long t0 = System.nanoTime();
                            for (int i = 0; i < FILES; i++) {
                                path.change(phase, dir, "f" + i);
                            }
                            long t1 = System.nanoTime();
                            if (perf != null) {
                                perf.command("disable");
                            }
                            Map<Long, Task> after = tasks();
                            Map<Long, Long> calls = perf == null ? Map.of() : perf.stop();
                            if (!measuring) {
                                continue;
                            }
                            String key = pathName + " " + phase;
                            latency.computeIfAbsent(key, k -> new ArrayList<>()).add((t1 - t0) / 1e6 / FILES);
                            Map<String, double[]> groups = new TreeMap<>();
                            for (var e : after.entrySet()) {
                                Task a = e.getValue();
                                Task b = before.getOrDefault(e.getKey(), new Task(a.group(), 0, 0, 0));
                                double[] g = groups.computeIfAbsent(a.group(), k -> new double[4]);
                                g[0] += (double) (a.switches() - b.switches()) / FILES;
                                g[1] += (a.cpuTicks() - b.cpuTicks()) * 1e6 / TICKS / FILES;
                                g[2] += (double) (a.involuntary() - b.involuntary()) / FILES;
                                g[3] += (double) calls.getOrDefault(e.getKey(), 0L) / FILES;
                            }
                            double[] all = new double[4];
                            for (double[] g : groups.values()) {
                                for (int i = 0; i < all.length; i++) {
                                    all[i] += g[i];
                                }
                            }
                            groups.put("(all live threads)", all);
                            for (var g : groups.entrySet()) {
                                measured.computeIfAbsent(key, k -> new TreeMap<>())
                                        .computeIfAbsent(g.getKey(), k -> new ArrayList<>()).add(g.getValue());
                            }
                        }
                    }
                }
            } finally {
                committer.shutdownNow();
            }
        } finally {
            NamespaceStore.deleteTree(base);
        }
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
                "%nWritePathBench: 1 peer, 1 caller, paths %s alternating, %d changes per phase, median of %d rounds,"
                        + " load %.1f -> %.1f%n", PATHS, FILES, ROUNDS, load0, loadAverage()));
        for (String phase : PHASES) {
            for (String pathName : PATHS) {
                String key = pathName + " " + phase;
                out.append(String.format(Locale.ROOT, "%s: %.3f ms per change (rounds %s)%n", key,
                        median(latency.get(key)), latency.get(key).stream()
                                .map(v -> String.format(Locale.ROOT, "%.3f", v)).toList()));
                out.append(String.format(Locale.ROOT, "  %-60s %10s %12s %10s %10s%n", "thread group", "switches",
                        "involuntary", "cpu us", "syscalls"));
                for (var g : measured.get(key).entrySet()) {
                    double sw = median(g.getValue().stream().map(v -> v[0]).toList());
                    double cpu = median(g.getValue().stream().map(v -> v[1]).toList());
                    double inv = median(g.getValue().stream().map(v -> v[2]).toList());
                    double sys = median(g.getValue().stream().map(v -> v[3]).toList());
                    if (sw >= 0.05 || cpu >= 1 || sys >= 0.05) {
                        out.append(String.format(Locale.ROOT, "  %-60s %10.2f %12.2f %10.1f %10.2f%n", g.getKey(), sw,
                                inv, cpu, sys));
                    }
                }
                if (g(measured.get(key)) != null) {
                    out.append("  all live threads per round (switches / cpu us / syscalls): ")
                            .append(g(measured.get(key)).stream().map(v -> String.format(Locale.ROOT, "%.2f/%.0f/%.1f",
                                    v[0], v[1], v[3])).toList()).append('\n');
                }
            }
        }
        System.out.println(out);
        Files.writeString(Path.of(System.getProperty("java.io.tmpdir"), "write-path-bench.txt"), out);
    }

    private static List<double[]> g(Map<String, List<double[]>> groups) {
        return groups.get("(all live threads)");
    }

    /**
     * {@code perf stat -e raw_syscalls:sys_enter --per-thread} on this process, counting only between its
     * "enable" and "disable" commands (perf's control FIFOs: it acknowledges each, so no count is lost to its
     * start-up and nothing needs a sleep).
     */
    private static final class PerfStat {
        private final Process perf;
        private final Path dir;
        private final Path out;
        private final java.io.Writer control;
        private final java.io.BufferedReader ack;

        private PerfStat(Process perf, Path dir, Path out, java.io.Writer control, java.io.BufferedReader ack) {
            this.perf = perf;
            this.dir = dir;
            this.out = out;
            this.control = control;
            this.ack = ack;
        }

        static PerfStat start() throws IOException, InterruptedException {
            Path dir = Files.createTempDirectory("write-path-perf");
            Path ctl = dir.resolve("ctl");
            Path ack = dir.resolve("ack");
            Path out = dir.resolve("out.csv");
            if (new ProcessBuilder("mkfifo", ctl.toString(), ack.toString()).inheritIO().start().waitFor() != 0) {
                throw new IOException("mkfifo failed");
            }
            Process perf = new ProcessBuilder("perf", "stat", "-e", "raw_syscalls:sys_enter", "--per-thread", "-x,",
                    "-p", Long.toString(ProcessHandle.current().pid()), "-D", "-1",
                    "--control", "fifo:" + ctl + "," + ack, "-o", out.toString()).inheritIO().start();
            var control = Files.newBufferedWriter(ctl); // blocks until perf opens it
            var acks = Files.newBufferedReader(ack);
            return new PerfStat(perf, dir, out, control, acks);
        }

        /** "enable" or "disable" counting; returns once perf has done it. */
        void command(String c) throws IOException {
            control.write(c + "\n");
            control.flush();
            String a = ack.readLine();
            if (a == null || !a.contains("ack")) { // perf ends each "ack\n" with a NUL, read as the next line's start
                throw new IOException("perf did not acknowledge " + c + ": " + a);
            }
        }

        /** Ends perf; the system calls it counted while enabled, by Linux thread id. */
        Map<Long, Long> stop() throws IOException, InterruptedException {
            new ProcessBuilder("kill", "-INT", Long.toString(perf.pid())).inheritIO().start().waitFor();
            perf.waitFor();
            control.close();
            ack.close();
            Map<Long, Long> calls = new HashMap<>();
            for (String line : Files.readAllLines(out)) {
                String[] f = line.split(",");
                if (f.length > 3 && f[3].equals("raw_syscalls:sys_enter") && !f[1].startsWith("<")) {
                    long tid = Long.parseLong(f[0].substring(f[0].lastIndexOf('-') + 1));
                    calls.merge(tid, Long.parseLong(f[1]), Long::sum);
                }
            }
            NamespaceStore.deleteTree(dir);
            return calls;
        }
    }

    /** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux). */
    private static final double TICKS = 100;

    /** Java thread names by Linux thread id, from HotSpot's thread dump (its nid is the thread id). */
    private static Map<Long, String> javaNames() {
        Map<Long, String> names = new HashMap<>();
        try {
            var server = java.lang.management.ManagementFactory.getPlatformMBeanServer();
            var dcmd = new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand");
            String dump = (String) server.invoke(dcmd, "threadPrint", new Object[] {new String[0]},
                    new String[] {String[].class.getName()});
            var m = java.util.regex.Pattern.compile("(?m)^\"(.*?)\" .*? nid=(0x[0-9a-f]+|\\d+)").matcher(dump);
            while (m.find()) {
                String nid = m.group(2);
                names.put(nid.startsWith("0x") ? Long.parseLong(nid.substring(2), 16) : Long.parseLong(nid), m.group(1));
            }
        } catch (javax.management.JMException e) {
            throw new IllegalStateException(e);
        }
        return names;
    }

    private static Map<Long, Task> tasks() throws IOException {
        Map<Long, String> javaNames = javaNames();
        Map<Long, Task> out = new HashMap<>();
        try (var dirs = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path t : dirs) {
                try {
                    String stat = Files.readString(t.resolve("stat"));
                    int open = stat.indexOf('(');
                    int close = stat.lastIndexOf(')');
                    long tid = Long.parseLong(t.getFileName().toString());
                    String name = javaNames.getOrDefault(tid, stat.substring(open + 1, close)).replaceAll("\\d+", "#");
                    String[] f = stat.substring(close + 2).split(" ");
                    long cpu = Long.parseLong(f[11]) + Long.parseLong(f[12]);
                    long sw = 0;
                    long inv = 0;
                    for (String line : Files.readAllLines(t.resolve("status"))) {
                        if (line.startsWith("voluntary_ctxt_switches:")) {
                            sw += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                        } else if (line.startsWith("nonvoluntary_ctxt_switches:")) {
                            inv = Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                            sw += inv;
                        }
                    }
                    out.put(tid, new Task(name, sw, inv, cpu));
                } catch (IOException | RuntimeException e) {
                    // the thread ended meanwhile
                }
            }
        }
        return out;
    }

    private static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        s.sort(null);
        return s.isEmpty() ? 0 : s.get(s.size() / 2);
    }

    private static double loadAverage() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }
}
