package io.nacre.conformance.s3;

import io.nacre.appliance.hsm.S3ProxyProcess;
import io.nacre.s3.auth.KeyStore;
import io.nacre.s3.it.NacreS3;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.text.ParseException;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The S3 bench: the same workload ({@link S3Workload}, AWS SDK v2 on loopback) against Nacre and against
 * s3proxy 4.1.0 with its filesystem backend, in one run, printed as a table with the ratios and the load
 * average around each run. The client runs in a JVM of its own for both servers (the same code, the same
 * concurrency), so that what is measured is the server, not a client sharing its JIT, GC and cores. Nacre
 * runs in this JVM, s3proxy in its own. Each server's CPU time per case is shown too (and the client's:
 * the same client against both, whose share of the cores caps the throughput ratios), and after each case
 * the client waits until the server is quiet, so that no case pays for the work the one before left.
 * Targets: PUT of large objects >= 2x s3proxy, GET >= 1x, 4 KiB objects >= 4x. Run with
 * {@code ./mvnw -B -pl conformance -am verify -Pbench -Dtest=S3Bench -Dsurefire.failIfNoSpecifiedTests=false}
 * or its main. System properties: {@code nacre.bench.largeRounds} (2), {@code nacre.bench.smallObjects}
 * (8000), {@code nacre.bench.warmUpRound} (2000: small PUTs and GETs, each, per
 * round of the warm-up), {@code nacre.bench.warmUpRounds} (10: at most; rounds go on while the server's JIT
 * took more than a tenth of its CPU in the last one),
 * {@code nacre.bench.repeats} (1: pairs of runs, each printing its table, the first server of each pair
 * alternating), {@code nacre.bench.baseline} (true; false skips s3proxy), {@code nacre.bench.profile} (false;
 * true records each timed case on the Nacre server with JFR into target/tmp/s3bench/jfr, to read with
 * {@code jfr view hot-methods FILE}), {@code nacre.bench.perf} (false; with profile, true also records each
 * timed case with Linux perf into the same directory, native and kernel frames included, for
 * {@code perf report -i FILE}), {@code nacre.bench.threads} (false; true prints each server's CPU per
 * thread name for each case: MD5/SHA on the carriers, the OST checkpoints, the event loops, the JIT).
 * The row "of it JIT compiling" is the part of a server's CPU its JIT compiler threads used: the
 * warm-up does not compile everything, and a long-running server would not pay it.
 */
@Tag("bench")
class S3Bench {

    static final int LARGE_ROUNDS = Integer.getInteger("nacre.bench.largeRounds", 2);
    static final int SMALL_OBJECTS = Integer.getInteger("nacre.bench.smallObjects", 8000);
    static final boolean BASELINE = Boolean.parseBoolean(System.getProperty("nacre.bench.baseline", "true"));
    static final boolean PROFILE = Boolean.getBoolean("nacre.bench.profile");
    static final int REPEATS = Integer.getInteger("nacre.bench.repeats", 1);
    /** At most this many warm-up rounds (each {@link S3Workload#WARM_UP_ROUND} small PUTs and GETs). */
    static final int WARM_UP_ROUNDS = Integer.getInteger("nacre.bench.warmUpRounds", 10);
    /** With profile: also record each timed case with Linux perf (native and kernel frames JFR cannot see). */
    static final boolean PERF = Boolean.getBoolean("nacre.bench.perf");
    /** Print each server's CPU per thread (grouped by name) for each timed case. */
    static final boolean THREADS = Boolean.getBoolean("nacre.bench.threads");

    @Test
    void nacreAgainstS3proxy() throws Exception {
        main(new String[0]);
    }

    /**
     * What one server did, with the 1-minute load average before and after, and the CPU time the server's
     * process and the client's used during each timed case (summed over rounds), in nanoseconds.
     */
    record Run(S3Workload.Result result, double loadBefore, double loadAfter, Map<String, Long> serverCpu,
               Map<String, Long> clientCpu, Map<String, Long> serverJit) {
        /** Server CPU seconds per GiB moved by a large case, or microseconds per operation of a small one. */
        double cpuPerUnit(String phase) {
            return perUnit(phase, serverCpu.getOrDefault(phase, 0L));
        }

        /** The part of the server's that its JIT compiler threads used (warm-up the warm-up left). */
        double jitPerUnit(String phase) {
            return perUnit(phase, serverJit.getOrDefault(phase, 0L));
        }

        /** The same for the client's JVM (the same code against both servers). */
        double clientCpuPerUnit(String phase) {
            return perUnit(phase, clientCpu.getOrDefault(phase, 0L));
        }

        private static double perUnit(String phase, long ns) {
            return phase.contains("large") ? ns / 1e9 / LARGE_ROUNDS : ns / 1e3 / SMALL_OBJECTS;
        }
    }

    public static void main(String[] args) throws Exception {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir")).resolve("s3bench");
        Files.createDirectories(tmp);
        Path large = S3Workload.dataFile(tmp, 1L << 30);
        S3Workload.dataFile(tmp, (1L << 30) / 4);

        for (int i = 0; i < REPEATS; i++) {
            // Alternate which server goes first, so that neither always meets the other's leftovers
            // (page cache, background flushes) or a quieter machine.
            boolean proxyFirst = i % 2 == 0;
            Run baseline = null;
            Run nacre = null;
            for (int k = 0; k < 2; k++) {
                if (proxyFirst == (k == 0)) {
                    baseline = BASELINE ? runProxy(tmp, large) : null;
                } else {
                    nacre = runNacre(tmp, large);
                }
            }
            System.out.println(table(nacre, baseline));
        }
    }

    private static Run runProxy(Path tmp, Path large) throws Exception {
        Path proxyData = Files.createTempDirectory(tmp, "s3proxy-");
        try (S3ProxyProcess p = S3ProxyProcess.start(proxyData, "2g")) {
            // s3proxy is the one child of this JVM running its jar (the other, later, is the bench client).
            long pid = ProcessHandle.current().children()
                    .filter(c -> c.info().commandLine().orElse("").contains("s3proxy.jar"))
                    .findFirst().orElseThrow(() -> new IllegalStateException("no s3proxy process")).pid();
            return runClient(p.endpoint(), S3ProxyProcess.ACCESS_KEY, S3ProxyProcess.SECRET_KEY, large, null, pid);
        } finally {
            deleteTree(proxyData);
        }
    }

    private static Run runNacre(Path tmp, Path large) throws Exception {
        Path dir = Files.createTempDirectory(tmp, "nacre-");
        try (NacreS3 n = NacreS3.start(dir)) {
            KeyStore.Key root = n.keys.root();
            return runClient(n.endpoint(), root.accessKey(), root.secretKey(), large,
                    PROFILE ? Files.createDirectories(tmp.resolve("jfr")) : null, ProcessHandle.current().pid());
        } finally {
            deleteTree(dir);
        }
    }

    /** A run's data (GiBs each) goes once measured, so that repeated runs do not fill the disk. */
    private static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /**
     * Runs the workload in a child JVM against {@code endpoint}, noting the CPU time process
     * {@code serverPid} uses during each timed case the child announces; with {@code jfrDir}, also records
     * this JVM (then the server's) with JFR during each case.
     */
    static Run runClient(String endpoint, String accessKey, String secretKey, Path large, Path jfrDir, long serverPid)
            throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = List.of(java, "-Xmx2g", "-XX:+UseParallelGC",
                "-Dnacre.bench.warmUpRound=" + S3Workload.WARM_UP_ROUND, "-cp", cp, S3Workload.class.getName(),
                endpoint, accessKey, secretKey, "bench", large.toString(), Integer.toString(LARGE_ROUNDS),
                Integer.toString(SMALL_OBJECTS), "handshake");
        double before = loadAverage();
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        java.io.Writer go = new java.io.OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8);
        S3Workload.Result result = null;
        Map<String, Recording> recordings = new HashMap<>();
        Map<String, Integer> counts = new HashMap<>();
        List<String> output = new ArrayList<>();
        Map<String, Long> cpuAtStart = new HashMap<>();
        Map<String, Long> cpu = new HashMap<>();
        Map<String, Long> clientAtStart = new HashMap<>();
        Map<String, Long> clientCpu = new HashMap<>();
        Map<String, Long> threadsAtStart = null;
        Map<String, Long> warmUpThreads = Map.of();
        int warmUpRounds = 0;
        Map<String, Long> jit = new HashMap<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                output.add(line);
                if (line.startsWith(S3Workload.Result.PREFIX)) {
                    result = S3Workload.Result.parse(line);
                } else if (line.equals("PHASE start warm-up")) {
                    warmUpThreads = threadCpu(serverPid);
                } else if (line.equals("PHASE end warm-up")) {
                    // Another round while the server's JIT took more than a tenth of its CPU in this one
                    // (up to WARM_UP_ROUNDS): the timed cases measure the server, not its compiler.
                    settle(serverPid);
                    Map<String, Long> now = threadCpu(serverPid);
                    long all = now.values().stream().mapToLong(Long::longValue).sum()
                            - warmUpThreads.values().stream().mapToLong(Long::longValue).sum();
                    long compiling = compilerCpu(now) - compilerCpu(warmUpThreads);
                    warmUpRounds++;
                    boolean more = compiling * 10 > all && warmUpRounds < WARM_UP_ROUNDS;
                    System.out.printf(Locale.ROOT, "warm-up round %d on %s: server CPU %.2f s, JIT %.2f s%s%n",
                            warmUpRounds, endpoint, all / 1e9, compiling / 1e9, more ? ", another round" : "");
                    go.write(more ? "more\n" : "go\n");
                    go.flush();
                } else if (line.startsWith("PHASE ")) {
                    String[] f = line.split(" ");
                    if (f[1].equals("start")) {
                        threadsAtStart = threadCpu(serverPid);
                        cpuAtStart.put(f[2], cpuNanos(serverPid));
                        clientAtStart.put(f[2], cpuNanos(p.pid()));
                    } else {
                        clientCpu.merge(f[2], cpuNanos(p.pid()) - clientAtStart.remove(f[2]), Long::sum);
                        long end = cpuNanos(serverPid);
                        Map<String, Long> threadsAtEnd = threadCpu(serverPid);
                        jit.merge(f[2], compilerCpu(threadsAtEnd) - compilerCpu(threadsAtStart), Long::sum);
                        if (THREADS) {
                            printThreadCpu(f[2] + " on " + endpoint, threadsAtStart, threadsAtEnd);
                        }
                        cpu.merge(f[2], end - cpuAtStart.remove(f[2]), Long::sum);
                        // The work a case leaves behind (a WAL checkpoint after a PUT) is its own, not the
                        // next case's: it counts as the case's "after", and the next case starts on a quiet server.
                        cpu.merge(f[2] + "-after", settle(serverPid) - end, Long::sum);
                    }
                    if (jfrDir != null) {
                        profile(f, jfrDir, recordings, counts);
                    }
                    if (f[1].equals("end")) {
                        go.write("go\n");
                        go.flush();
                    }
                }
            }
        } finally {
            recordings.values().forEach(Recording::close);
        }
        int exit = p.waitFor();
        if (exit != 0 || result == null) {
            throw new IllegalStateException("bench client exited with " + exit + "; its output: " + output);
        }
        return new Run(result, before, loadAverage(), cpu, clientCpu, jit);
    }

    /** Starts or ends (and dumps) the JFR recording of a case. */
    private static void profile(String[] f, Path jfrDir, Map<String, Recording> recordings, Map<String, Integer> counts)
            throws IOException, ParseException, InterruptedException {
        if (f[1].equals("start")) {
            Recording r = new Recording(Configuration.getConfiguration("profile"));
            r.start();
            recordings.put(f[2], r);
            if (PERF) {
                int n = counts.getOrDefault(f[2], 0) + 1;
                PERF_RUNS.put(f[2], new ProcessBuilder("perf", "record", "-q", "-F", "499", "-g", "-p",
                        Long.toString(ProcessHandle.current().pid()), "-o",
                        jfrDir.resolve(f[2] + "-" + n + ".perf").toString()).inheritIO().start());
            }
        } else {
            Recording r = recordings.remove(f[2]);
            r.stop();
            int n = counts.merge(f[2], 1, Integer::sum);
            r.dump(jfrDir.resolve(f[2] + "-" + n + ".jfr"));
            r.close();
            Process perf = PERF_RUNS.remove(f[2]);
            if (perf != null) {
                perf.destroy(); // SIGTERM: perf record writes its file and exits
                perf.waitFor();
                // Names for the JIT's code, in /tmp/perf-PID.map where perf report looks for them.
                new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                        Long.toString(ProcessHandle.current().pid()), "Compiler.perfmap").inheritIO().start().waitFor();
            }
        }
    }

    private static final Map<String, Process> PERF_RUNS = new HashMap<>();

    /**
     * CPU time (ns) of a process's threads, summed by name with digits dropped (the JVM's GC and JIT
     * threads, the event loops, the carriers of virtual threads, the OST threads), user and system apart.
     */
    static Map<String, Long> threadCpu(long pid) throws IOException {
        Map<String, Long> by = new HashMap<>();
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path t : tasks.toList()) {
                try {
                    String name = Files.readString(t.resolve("comm")).strip().replaceAll("[0-9]+", "#");
                    String stat = Files.readString(t.resolve("stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    by.merge(name + " user", Long.parseLong(f[11]) * 10_000_000L, Long::sum);
                    by.merge(name + " sys", Long.parseLong(f[12]) * 10_000_000L, Long::sum);
                } catch (java.nio.file.NoSuchFileException gone) {
                    // the thread ended meanwhile
                }
            }
        }
        return by;
    }

    /** The CPU time of the JIT compiler threads ("C1 CompilerThread0", "C2 CompilerThread1"...) in a {@link #threadCpu}. */
    static long compilerCpu(Map<String, Long> threads) {
        return threads.entrySet().stream().filter(e -> e.getKey().startsWith("C# CompilerThre"))
                .mapToLong(Map.Entry::getValue).sum();
    }

    static void printThreadCpu(String what, Map<String, Long> before, Map<String, Long> after) {
        StringBuilder sb = new StringBuilder("thread CPU during " + what + " (s, threads that ended are missing; "
                + "this JVM's uptime at the end " + java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime()
                + " ms):\n");
        after.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0L)))
                .filter(e -> e.getValue() >= 20_000_000L)
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> sb.append(String.format(Locale.ROOT, "  %-40s %8.2f%n", e.getKey(), e.getValue() / 1e9)));
        System.out.println(sb);
    }

    /**
     * Waits until the server is quiet (under a tenth of a core over half a second, for at most a minute)
     * and returns its CPU time then.
     */
    static long settle(long pid) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        long last = cpuNanos(pid);
        while (System.nanoTime() < deadline) {
            Thread.sleep(500); // a sampling interval, not a wait for a condition: the condition is the CPU it measures
            long now = cpuNanos(pid);
            if (now - last < 50_000_000L) {
                return now;
            }
            last = now;
        }
        return last;
    }

    /** User and system CPU time of a process so far (/proc/PID/stat, clock ticks of 10 ms). */
    static long cpuNanos(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // After the command: state is field 3 of proc(5); utime and stime are fields 14 and 15.
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L;
    }

    static double loadAverage() throws IOException {
        return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
    }

    static String table(Run n, Run p) {
        StringBuilder sb = new StringBuilder("\nS3 bench (AWS SDK v2 sync client in its own JVM, loopback; large = 1 GiB "
                + "objects, one stream; small = 4 KiB objects, " + S3Workload.CONCURRENCY + " concurrent requests)\n");
        sb.append(String.format(Locale.ROOT, "%-30s %12s %12s %8s %8s%n", "", "nacre", "s3proxy", "ratio", "target"));
        S3Workload.Result none = new S3Workload.Result(Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        S3Workload.Result b = p == null ? none : p.result();
        row(sb, "PUT 1 GiB (MiB/s)", n.result().putMiBs(), b.putMiBs(), "2x");
        row(sb, "GET 1 GiB (MiB/s)", n.result().getMiBs(), b.getMiBs(), "1x");
        row(sb, "PUT 4 KiB (ops/s)", n.result().smallPutOps(), b.smallPutOps(), "4x");
        row(sb, "GET 4 KiB (ops/s)", n.result().smallGetOps(), b.smallGetOps(), "4x");
        // The server's own CPU cost, which the load of other processes changes far less than throughput:
        // the ratio is s3proxy's cost over Nacre's (above 1: Nacre spends less).
        // "+after": with what the server did once the case was over, until it went quiet (a PUT's checkpoint).
        String[][] cpuRows = {{"put-large", "PUT 1 GiB server CPU s/GiB"}, {"put-large-after", "  +after"},
            {"get-large", "GET 1 GiB server CPU s/GiB"}, {"put-small", "PUT 4 KiB server CPU us/op"},
            {"put-small-after", "  +after"}, {"get-small", "GET 4 KiB server CPU us/op"}};
        for (String[] c : cpuRows) {
            double nc = n.cpuPerUnit(c[0]);
            double pc = p == null ? Double.NaN : p.cpuPerUnit(c[0]);
            if (c[0].endsWith("-after")) {
                String base = c[0].substring(0, c[0].length() - "-after".length());
                nc += n.cpuPerUnit(base);
                pc += p == null ? Double.NaN : p.cpuPerUnit(base);
            }
            sb.append(String.format(Locale.ROOT, "%-30s %12.2f %12.2f %7.2fx%n", c[1], nc, pc, pc / nc));
            if (!c[0].endsWith("-after")) {
                // What the JIT compiled meanwhile: warm-up left over, which a long-running server does not pay.
                sb.append(String.format(Locale.ROOT, "%-30s %12.2f %12.2f%n", "  of it JIT compiling",
                        n.jitPerUnit(c[0]), p == null ? Double.NaN : p.jitPerUnit(c[0])));
                // The same client against both: its share of the two cores caps the throughput ratios.
                double ncl = n.clientCpuPerUnit(c[0]);
                double pcl = p == null ? Double.NaN : p.clientCpuPerUnit(c[0]);
                sb.append(String.format(Locale.ROOT, "%-30s %12.2f %12.2f%n", "  client's CPU", ncl, pcl));
            }
        }
        sb.append(String.format(Locale.ROOT, "%-30s %5.2f-%-6.2f %5.2f-%-6.2f  (1-minute load average before-after, %d cores)%n",
                "load", n.loadBefore(), n.loadAfter(), p == null ? Double.NaN : p.loadBefore(),
                p == null ? Double.NaN : p.loadAfter(), Runtime.getRuntime().availableProcessors()));
        return sb.toString();
    }

    private static void row(StringBuilder sb, String name, double n, double p, String target) {
        sb.append(String.format(Locale.ROOT, "%-30s %12.1f %12.1f %7.2fx %8s%n", name, n, p, n / p, target));
    }
}
