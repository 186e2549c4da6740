package io.nacre.conformance.image;

import static java.util.Objects.requireNonNull;

import io.nacre.conformance.guest.GuestVm;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The appliance image booted as a hypervisor boots it (BIOS, GRUB, the image's own units) by
 * {@code appliance-image/image/boot.sh}: a qcow2 overlay of the built image as its disk, a data disk, a
 * NoCloud seed, and its S3, admin and NFS ports forwarded on the host's 127.0.0.1 only. The serial console is
 * a file; the QEMU monitor socket powers the guest down cleanly, as a hypervisor's "shut down" does.
 */
final class ApplianceVm implements AutoCloseable {

    private final Process process;
    private final Path console;
    private final Path monitor;
    private final Path runLog;
    private final Instant started = Instant.now();
    final int s3Port;
    final int adminPort;
    final int nfsPort;

    private ApplianceVm(Process process, Path console, Path monitor, Path runLog, int s3Port, int adminPort, int nfsPort) {
        this.process = process;
        this.console = console;
        this.monitor = monitor;
        this.runLog = runLog;
        this.s3Port = s3Port;
        this.adminPort = adminPort;
        this.nfsPort = nfsPort;
    }

    /** The image build scripts ({@code appliance-image/image}). */
    static Path scripts() {
        String configured = System.getProperty("nacre.image.scripts");
        Path p = configured != null ? Path.of(configured)
                : Path.of(System.getProperty("user.dir")).resolve("../appliance-image/image");
        if (!Files.isExecutable(p.resolve("build.sh"))) {
            throw new IllegalStateException("no appliance image scripts at " + p.toAbsolutePath());
        }
        return p.toAbsolutePath().normalize();
    }

    /** The Nacre distribution the image is built from ({@code appliance-image/target/nacre-dist}). */
    static Path dist() {
        String configured = System.getProperty("nacre.dist");
        Path p = configured != null ? Path.of(configured)
                : Path.of(System.getProperty("user.dir")).resolve("../appliance-image/target/nacre-dist");
        return p.toAbsolutePath().normalize();
    }

    /** Runs build.sh (cached: instant when nothing changed); returns the image directory. */
    static Path build(Path log, Duration deadline) throws IOException, InterruptedException {
        Files.createDirectories(log.getParent());
        Path out = log.resolveSibling(log.getFileName() + ".out");
        Process p = new ProcessBuilder(scripts().resolve("build.sh").toString(), "--dist", dist().toString())
                .redirectError(log.toFile()).redirectOutput(out.toFile()).start();
        p.getOutputStream().close();
        if (!p.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroy();
            p.waitFor(60, TimeUnit.SECONDS);
            throw new IOException("build.sh did not finish within " + deadline + "; see " + log);
        }
        if (p.exitValue() != 0) {
            throw new IOException("build.sh failed with status " + p.exitValue() + ":\n" + GuestVm.tail(log, 40));
        }
        List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
        return Path.of(lines.get(lines.size() - 1));
    }

    /** A seed ISO (make-seed.sh) from user-data and meta-data texts, in {@code dir}. */
    static Path seed(Path dir, String userData, String metaData) throws IOException, InterruptedException {
        return seed(dir, userData, metaData, null, false);
    }

    /**
     * A seed disk (make-seed.sh) from user-data, meta-data and, when not null, network-config texts, in
     * {@code dir}: an ISO 9660 image, or a FAT one labelled CIDATA when {@code vfat}.
     */
    static Path seed(Path dir, String userData, String metaData, String networkConfig, boolean vfat)
            throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path user = Files.writeString(dir.resolve("user-data"), userData);
        Path meta = Files.writeString(dir.resolve("meta-data"), metaData);
        Path image = dir.resolve(vfat ? "seed.vfat" : "seed.iso");
        List<String> cmd = new ArrayList<>(List.of(scripts().resolve("make-seed.sh").toString()));
        if (vfat) {
            cmd.add("--vfat");
        }
        cmd.addAll(List.of(image.toString(), user.toString(), meta.toString()));
        if (networkConfig != null) {
            cmd.add(Files.writeString(dir.resolve("network-config"), networkConfig).toString());
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IOException("make-seed.sh failed: " + output);
        }
        return image;
    }

    /**
     * Boots {@code overlay} (made on top of {@code image} the first time) with the data disk and seed, the
     * console in {@code dir}/console-NAME.log; QEMU is killed after {@code timeout}.
     */
    static ApplianceVm boot(Path image, Path overlay, Path dataDisk, Path seed, Path dir, String name, Duration timeout)
            throws IOException {
        return boot(image, overlay, dataDisk, seed, null, dir, name, timeout);
    }

    /**
     * Boots {@code overlay} (made on top of {@code image} the first time); {@code dataDisk} and {@code seed}
     * may be null (none attached); the forwards go to {@code guestAddress}, or to the address QEMU's DHCP hands
     * out when null.
     */
    static ApplianceVm boot(Path image, Path overlay, Path dataDisk, Path seed, String guestAddress, Path dir,
                            String name, Duration timeout) throws IOException {
        requireNonNull(image, "image");
        int s3 = freePort();
        int admin = freePort();
        int nfs = freePort();
        Path console = dir.resolve("console-" + name + ".log");
        Path monitor = dir.resolve("monitor-" + name + ".sock");
        Files.deleteIfExists(monitor);
        Path runLog = dir.resolve("boot-" + name + ".log");
        String to = guestAddress == null ? "" : guestAddress + ":";
        List<String> cmd = new ArrayList<>(List.of(scripts().resolve("boot.sh").toString(), "--overlay", overlay.toString()));
        if (dataDisk != null) {
            cmd.addAll(List.of("--data-disk", dataDisk.toString(), "--data-size", "8G"));
        }
        if (seed != null) {
            cmd.addAll(List.of("--seed", seed.toString()));
        }
        cmd.addAll(List.of("--isolated", "--mem", "2048", "--cpus", "2",
                "--forward", s3 + ":" + to + "9000", "--forward", admin + ":" + to + "9001",
                "--forward", nfs + ":" + to + "2049",
                "--console", console.toString(), "--monitor", monitor.toString(),
                "--timeout", Long.toString(timeout.toSeconds()),
                image.resolve("nacre-appliance.qcow2").toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(runLog.toFile()).start();
        p.getOutputStream().close();
        return new ApplianceVm(p, console, monitor, runLog, s3, admin, nfs);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    String consoleText() throws IOException {
        return GuestVm.readConsole(console);
    }

    /** The console's last lines and boot.sh's log, for failure messages. */
    String diagnostics() throws IOException {
        return "console tail:\n" + GuestVm.tail(console, 60) + "\nboot.sh:\n" + GuestVm.tail(runLog, 20);
    }

    /** Polls the console until a line matches; false when QEMU stopped or the deadline passed. */
    boolean awaitConsole(Pattern line, Duration deadline) throws IOException, InterruptedException {
        return GuestVm.awaitConsole(process, console, line, deadline);
    }

    /**
     * Polls the admin endpoint's /health through the forwarded port until it answers 200; returns the time
     * from boot to then. Fails with the console when the deadline passes or the guest stops.
     */
    Duration awaitHealthy(Duration deadline) throws IOException, InterruptedException {
        Instant end = Instant.now().plus(deadline);
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            while (Instant.now().isBefore(end)) {
                if (!process.isAlive()) {
                    throw new IOException("the guest stopped before Nacre was healthy; " + diagnostics());
                }
                try {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(adminUri() + "/health"))
                            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 200) {
                        return Duration.between(started, Instant.now());
                    }
                } catch (IOException e) {
                    // not listening yet (QEMU's forward answers, then closes, while the guest has no server)
                }
                process.waitFor(2, TimeUnit.SECONDS);
            }
        }
        throw new IOException("Nacre was not healthy within " + deadline + "; " + diagnostics());
    }

    String adminUri() {
        return "http://127.0.0.1:" + adminPort;
    }

    String s3Uri() {
        return "http://127.0.0.1:" + s3Port;
    }

    /**
     * ACPI power button, as a hypervisor's "shut down": the guest stops its services and powers off. The command
     * goes to QEMU's monitor once it shows its prompt, and the connection stays open until the monitor prompts
     * again (it has taken the command): a command written on connect and closed at once can be dropped.
     */
    void powerdown() throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX); Selector sel = Selector.open()) {
            ch.connect(UnixDomainSocketAddress.of(monitor));
            ch.configureBlocking(false);
            ch.register(sel, SelectionKey.OP_READ);
            StringBuilder seen = new StringBuilder();
            awaitPrompts(ch, sel, seen, 1);
            ByteBuffer cmd = ByteBuffer.wrap("system_powerdown\n".getBytes(StandardCharsets.US_ASCII));
            while (cmd.hasRemaining()) {
                ch.write(cmd);
            }
            awaitPrompts(ch, sel, seen, 2);
        }
    }

    /** Reads the monitor until it prompted {@code count} times in all (or QEMU exited after the first), in a minute. */
    private static void awaitPrompts(SocketChannel ch, Selector sel, StringBuilder seen, int count) throws IOException {
        Instant end = Instant.now().plusSeconds(60);
        ByteBuffer buf = ByteBuffer.allocate(4096);
        while (seen.toString().split("\\(qemu\\)", -1).length - 1 < count) {
            long left = Duration.between(Instant.now(), end).toMillis();
            if (left <= 0) {
                throw new IOException("QEMU's monitor did not prompt within a minute; it said: " + seen);
            }
            sel.select(left);
            sel.selectedKeys().clear();
            buf.clear();
            int n = ch.read(buf);
            if (n < 0 && count > 1) {
                return; // QEMU took the command and has already exited
            }
            if (n < 0) {
                throw new IOException("QEMU's monitor closed the connection; it said: " + seen);
            }
            seen.append(new String(buf.array(), 0, n, StandardCharsets.ISO_8859_1));
        }
    }

    /** Waits for QEMU to exit; boot.sh's status (0: the guest powered off). Kills it after the deadline. */
    int awaitExit(Duration deadline) throws IOException, InterruptedException {
        if (!process.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
            close();
            throw new IOException("the guest still ran after " + deadline + "; killed. " + diagnostics());
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy(); // SIGTERM: boot.sh's trap kills QEMU by its PID
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
