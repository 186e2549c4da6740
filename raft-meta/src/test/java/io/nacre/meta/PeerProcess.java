package io.nacre.meta;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A {@link PeerMain} in a child JVM: started, waited for, paused with SIGSTOP, and killed with SIGKILL. */
final class PeerProcess implements AutoCloseable {

    final Peer peer;
    private final Path dataDir;
    private final List<Peer> group;
    private final Path log;
    private Process process;
    private long linesBefore;

    PeerProcess(Path dataDir, Peer peer, List<Peer> group) {
        this.dataDir = dataDir;
        this.peer = peer;
        this.group = group;
        // Outside the test's temporary directory (deleted after the test): a failure's logs are kept in
        // target/tmp/peer-logs, and their ends are attached to the failure (see attachLogs).
        this.log = Path.of(System.getProperty("java.io.tmpdir"), "peer-logs",
                dataDir.getParent().getFileName() + "-" + peer.id() + ".log");
    }

    /**
     * Adds the last lines of each child's log to a test failure, as a suppressed exception: CI shows only
     * the failure, and a group that misbehaved can only be understood from what its peers logged.
     */
    static void attachLogs(Throwable failure, List<PeerProcess> procs) {
        StringBuilder b = new StringBuilder("logs of the peer processes:");
        for (PeerProcess p : procs) {
            b.append("\n---- ").append(p.peer.id()).append(" (").append(p.log).append(")\n");
            try {
                List<String> lines = Files.readAllLines(p.log);
                lines.subList(Math.max(0, lines.size() - 60), lines.size()).forEach(l -> b.append(l).append('\n'));
            } catch (IOException e) {
                b.append("(unreadable: ").append(e).append(")\n");
            }
        }
        failure.addSuppressed(new AssertionError(b.toString(), null));
    }

    /**
     * Starts a child for every peer of a group, adding each to {@code started} as it starts (so that the
     * caller closes them whatever happens), and waits until every one serves; returns the group.
     */
    static List<Peer> startGroup(Path dir, List<Peer> group, List<PeerProcess> started) throws IOException {
        for (Peer p : group) {
            started.add(new PeerProcess(dir.resolve(p.id()), p, group).start());
        }
        started.forEach(p -> p.awaitReady(Duration.ofSeconds(60)));
        return group;
    }

    PeerProcess start() throws IOException {
        return start(List.of());
    }

    /** Starts the child with extra JVM options (e.g. {@code -Dnacre.faults=...}). */
    PeerProcess start(List<String> jvmOptions) throws IOException {
        Files.createDirectories(dataDir);
        Files.createDirectories(log.getParent());
        linesBefore = Files.exists(log) ? Files.readAllLines(log).size() : 0;
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("--add-opens") || arg.startsWith("--enable-native-access")) {
                cmd.add(arg);
            }
        }
        cmd.add("-Xmx256m");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-Dnacre.ratis.server.level=INFO");
        cmd.add("-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"));
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(PeerMain.class.getName());
        cmd.add(dataDir.toString());
        cmd.add(peer.id());
        cmd.add(String.join(",", group.stream().map(Peer::toString).toList()));
        process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        return this;
    }

    /** Waits until the child says it serves (its log ends with a READY line written after this start). */
    PeerProcess awaitReady(Duration max) {
        long skip = linesBefore;
        Cluster.await(max, () -> {
            if (!process.isAlive()) {
                throw new AssertionError(peer.id() + " exited with " + process.exitValue() + "; see " + log);
            }
            try {
                return Files.exists(log) && Files.readString(log).lines().skip(skip).anyMatch(l -> l.startsWith("READY"));
            } catch (IOException e) {
                return false;
            }
        });
        return this;
    }

    boolean alive() {
        return process.isAlive();
    }

    /** kill -STOP: the child keeps its state and sockets but does nothing (as in a long GC pause). */
    void pause() throws IOException, InterruptedException {
        signal("STOP");
    }

    /** kill -CONT, after {@link #pause}. */
    void resume() throws IOException, InterruptedException {
        signal("CONT");
    }

    private void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IOException("kill -" + name + " " + process.pid() + " exited with " + kill.exitValue());
        }
    }

    /** kill -9. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            kill();
        }
    }
}
