package io.nacre.meta;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.MetadataService;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What one caller's change costs on the write path of `nacre up` (one peer, in-process client): for
 * creates and then unlinks, one after the other, the context switches and CPU per change of every thread
 * group of the process (Linux's /proc/self/task), median of the rounds after the warm-up. Under TCG (the
 * kernel-client bench's guest) each hand-off between threads is a futex wake and a switch in the
 * emulated kernel, so the switches per change are the figure to watch.
 *
 * <p>Run: {@code ./mvnw -B -Pbench -pl raft-meta -am verify -Dtest=WritePathBench}. System properties:
 * bench.files (per phase, 2000), bench.rounds (5), bench.warmup (4).
 */
@Tag("bench")
class WritePathBench {

    private static final int FILES = Integer.getInteger("bench.files", 2000);
    private static final int ROUNDS = Integer.getInteger("bench.rounds", 5);
    private static final int WARMUP = Integer.getInteger("bench.warmup", 4);
    private static final String[] PHASES = {"create", "unlink"};

    /** Context switches and CPU (ns) of one thread at one moment. */
    private record Task(String group, long switches, long involuntary, long cpuTicks) {
    }

    @Test
    void oneCaller() throws Exception {
        Path base = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "write-path-bench");
        // phase -> group -> per-round figures (switches, cpu us) per change
        Map<String, Map<String, List<double[]>>> measured = new HashMap<>();
        Map<String, List<Double>> latency = new HashMap<>();
        double load0 = loadAverage();
        try (Cluster cluster = new Cluster(base, 1, 100_000, 32L << 20);
             MetadataClient mds = MetadataClient.builder().peers(cluster.peers).inProcess(true).build()) {
            TestServers.registerOsts(mds, 4);
            for (int round = 0; round < WARMUP + ROUNDS; round++) {
                if (round == 0) {
                    // For strace -ff: which Linux thread is which Java thread.
                    StringBuilder ids = new StringBuilder();
                    javaNames().forEach((tid, name) -> ids.append(tid).append(' ').append(name).append('\n'));
                    Files.writeString(Path.of(System.getProperty("java.io.tmpdir"), "write-path-threads.txt"), ids);
                }
                Fid dir = mds.create(Caller.ROOT, Fid.ROOT, "r" + round, CreateSpec.directory(0755)).attr().fid();
                for (String phase : PHASES) {
                    Map<Long, Task> before = tasks();
                    long t0 = System.nanoTime();
                    for (int i = 0; i < FILES; i++) {
                        if (phase.equals("create")) {
                            mds.create(Caller.ROOT, dir, "f" + i, CreateSpec.file(0644));
                        } else {
                            mds.remove(Caller.ROOT, dir, "f" + i, MetadataService.RemoveKind.FILE);
                        }
                    }
                    long t1 = System.nanoTime();
                    Map<Long, Task> after = tasks();
                    if (round < WARMUP) {
                        continue;
                    }
                    latency.computeIfAbsent(phase, p -> new ArrayList<>()).add((t1 - t0) / 1e6 / FILES);
                    Map<String, double[]> groups = new TreeMap<>();
                    for (var e : after.entrySet()) {
                        Task a = e.getValue();
                        Task b = before.getOrDefault(e.getKey(), new Task(a.group(), 0, 0, 0));
                        double[] g = groups.computeIfAbsent(a.group(), k -> new double[3]);
                        g[0] += (double) (a.switches() - b.switches()) / FILES;
                        g[1] += (a.cpuTicks() - b.cpuTicks()) * 1e6 / TICKS / FILES;
                        g[2] += (double) (a.involuntary() - b.involuntary()) / FILES;
                    }
                    double[] all = new double[3];
                    for (double[] g : groups.values()) {
                        for (int i = 0; i < all.length; i++) {
                            all[i] += g[i];
                        }
                    }
                    groups.put("(all live threads)", all);
                    for (var g : groups.entrySet()) {
                        measured.computeIfAbsent(phase, p -> new TreeMap<>())
                                .computeIfAbsent(g.getKey(), k -> new ArrayList<>()).add(g.getValue());
                    }
                }
            }
        } finally {
            NamespaceStore.deleteTree(base);
        }
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
                "%nWritePathBench: 1 peer, in-process, 1 caller, %d changes per phase, median of %d rounds, load %.1f -> %.1f%n",
                FILES, ROUNDS, load0, loadAverage()));
        for (String phase : PHASES) {
            out.append(String.format(Locale.ROOT, "%s: %.3f ms per change (rounds %s)%n", phase,
                    median(latency.get(phase)), latency.get(phase).stream()
                            .map(v -> String.format(Locale.ROOT, "%.3f", v)).toList()));
            out.append(String.format(Locale.ROOT, "  %-60s %10s %12s %10s%n", "thread group", "switches", "involuntary", "cpu us"));
            for (var g : measured.get(phase).entrySet()) {
                double sw = median(g.getValue().stream().map(v -> v[0]).toList());
                double cpu = median(g.getValue().stream().map(v -> v[1]).toList());
                double inv = median(g.getValue().stream().map(v -> v[2]).toList());
                if (sw >= 0.05 || cpu >= 1) {
                    out.append(String.format(Locale.ROOT, "  %-60s %10.2f %12.2f %10.1f%n", g.getKey(), sw, inv, cpu));
                }
            }
        }
        System.out.println(out);
        Files.writeString(Path.of(System.getProperty("java.io.tmpdir"), "write-path-bench.txt"), out);
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
