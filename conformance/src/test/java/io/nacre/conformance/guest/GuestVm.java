package io.nacre.conformance.guest;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A QEMU guest booted by {@code conformance/guest/run.sh}: builds the cached Debian image if needed, boots it
 * with a read-write share (mounted at /mnt/host in the guest) and optional read-only shares, runs one command
 * in it, and reports the command's exit status. The serial console is a file the host can read while the
 * guest runs, so a test can wait for a marker line (for example a server's health) before talking to it
 * through a forwarded port. Closing the VM kills QEMU.
 */
public final class GuestVm implements AutoCloseable {
    /** run.sh's status when the deadline passed and QEMU was killed. */
    static final int TIMED_OUT = 124;
    /** Where tests keep their run directories (shares, console logs). */
    private static final Path RUNS = Path.of("target", "guest");

    private final Process process;
    private final Path share;
    private final Path console;
    private final Path runLog;

    private GuestVm(Process process, Path share, Path runLog) {
        this.process = process;
        this.share = share;
        this.console = share.resolve(".nacre/console.log");
        this.runLog = runLog;
    }

    /** The directory of the guest scripts ({@code conformance/guest}). */
    static Path scriptsDir() {
        String configured = System.getProperty("nacre.guest.scripts");
        if (configured != null && Files.isExecutable(Path.of(configured, "run.sh"))) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        Path base = Path.of(System.getProperty("user.dir"));
        for (Path p : List.of(base.resolve("guest"), base.resolve("conformance/guest"))) {
            if (Files.isExecutable(p.resolve("run.sh"))) {
                return p.toAbsolutePath().normalize();
            }
        }
        throw new IllegalStateException("conformance/guest/run.sh not found from " + base.toAbsolutePath());
    }

    /**
     * Why this host cannot run QEMU guests at all, or empty when it can (possibly after build-image.sh has
     * installed QEMU, which needs root and apt-get).
     */
    public static Optional<String> whyHostCannotRunQemu() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            return Optional.of("the guest tooling needs an x86-64 Linux host, this is " + os + "/" + arch);
        }
        if (onPath("qemu-system-x86_64") && onPath("qemu-img") && onPath("mmdebstrap")) {
            return Optional.empty();
        }
        boolean root = "root".equals(System.getProperty("user.name"));
        if (!root || !onPath("apt-get")) {
            return Optional.of("QEMU or mmdebstrap is missing and cannot be installed here"
                    + " (needs root and apt-get: run conformance/guest/build-image.sh --host-deps as root)");
        }
        return Optional.empty();
    }

    private static boolean onPath(String command) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/sbin", command)) || Files.isExecutable(Path.of("/sbin", command));
    }

    /**
     * Builds the guest image unless the cache has it (minutes the first time, instant after), with its output
     * in {@code log}; returns the image directory.
     */
    static Path ensureImage(Path log, Duration deadline) throws IOException, InterruptedException {
        Files.createDirectories(log.getParent());
        Path out = log.resolveSibling(log.getFileName() + ".out");
        Process p = new ProcessBuilder(scriptsDir().resolve("build-image.sh").toString())
                .redirectError(log.toFile())
                .redirectOutput(out.toFile())
                .start();
        p.getOutputStream().close();
        if (!p.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroy();
            p.waitFor(30, TimeUnit.SECONDS);
            throw new IOException("build-image.sh did not finish within " + deadline + "; see " + log);
        }
        if (p.exitValue() != 0) {
            throw new IOException("build-image.sh failed with status " + p.exitValue() + ":\n" + tail(log, 40));
        }
        List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
        return Path.of(lines.get(lines.size() - 1));
    }

    /**
     * For tests: skips (with the reason) when this host cannot run QEMU at all, otherwise builds the image if
     * needed, failing when that fails. Returns the image directory.
     */
    static Path assumeImage() throws IOException, InterruptedException {
        Optional<String> why = whyHostCannotRunQemu();
        Assumptions.assumeTrue(why.isEmpty(), () -> "skipped: this host cannot run QEMU guests: " + why.orElseThrow());
        Path image = ensureImage(RUNS.resolve("build-image.log"), Duration.ofMinutes(40));
        if (!Files.isRegularFile(image.resolve("base.qcow2"))) {
            throw new IOException("build-image.sh printed " + image + ", which has no base.qcow2");
        }
        return image;
    }

    /** An empty directory target/guest/NAME (emptied if it exists) to share with a guest. */
    static Path freshShare(String name) throws IOException {
        Path dir = RUNS.resolve(name).toAbsolutePath();
        if (Files.exists(dir)) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        return Files.createDirectories(dir);
    }

    /**
     * Copies the in-guest scripts into {@code share}/tools and returns that copy: bash reads a script while it
     * runs, so a guest must not run the live files someone may be editing.
     */
    static Path snapshotInGuestScripts(Path share) throws IOException {
        Path from = scriptsDir().resolve("in-guest");
        Path to = share.resolve("tools");
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        return to;
    }

    static Builder builder(Path share) {
        return new Builder(share);
    }

    /** The read-write share (/mnt/host in the guest); run.sh keeps its control files in .nacre/ below it. */
    Path share() {
        return share;
    }

    /** The serial console log, written while the guest runs. */
    Path console() {
        return console;
    }

    String consoleText() throws IOException {
        return readConsole(console);
    }

    /** The command's output, as the guest wrote it to the share (empty before it ran). */
    String output() throws IOException {
        Path out = share.resolve(".nacre/output.log");
        return Files.exists(out) ? Files.readString(out, StandardCharsets.UTF_8) : "";
    }

    /** Polls the console until a line matches {@code line}; false when the guest stopped or the deadline passed. */
    boolean awaitConsole(Pattern line, Duration deadline) throws IOException, InterruptedException {
        return awaitConsole(process, console, line, deadline);
    }

    /**
     * Polls a guest's serial console file until a line matches {@code line}; false when {@code qemu} (the process
     * running the guest) stopped without it or the deadline passed.
     */
    public static boolean awaitConsole(Process qemu, Path console, Pattern line, Duration deadline)
            throws IOException, InterruptedException {
        Instant end = Instant.now().plus(deadline);
        while (Instant.now().isBefore(end)) {
            if (line.matcher(readConsole(console)).find()) {
                return true;
            }
            if (!qemu.isAlive()) {
                return line.matcher(readConsole(console)).find();
            }
            qemu.waitFor(1, TimeUnit.SECONDS);
        }
        return false;
    }

    /** A serial console file as text (empty before QEMU made it); bytes as Latin-1, whatever the guest wrote. */
    public static String readConsole(Path console) throws IOException {
        return Files.exists(console) ? Files.readString(console, StandardCharsets.ISO_8859_1) : "";
    }

    /**
     * Waits for the guest to finish; returns the command's exit status ({@link #TIMED_OUT} if run.sh's own
     * deadline passed). If {@code deadline} passes first, the VM is killed and an exception thrown.
     */
    int awaitExit(Duration deadline) throws IOException, InterruptedException {
        if (!process.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
            close();
            throw new IOException("guest still running after " + deadline + "; killed. Console tail:\n"
                    + tail(console, 40));
        }
        return process.exitValue();
    }

    /** run.sh's own log: the boot progress and QEMU's messages. */
    String runLog() throws IOException {
        return Files.exists(runLog) ? Files.readString(runLog, StandardCharsets.UTF_8) : "";
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy(); // SIGTERM: run.sh's trap kills QEMU by its PID and removes the overlay
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    public static String tail(Path file, int lines) throws IOException {
        if (!Files.exists(file)) {
            return "(no " + file + ")";
        }
        List<String> all = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    /** What to boot: shares, environment, forwarded ports, size and deadline, then the command. */
    static final class Builder {
        private final Path share;
        private final List<String> options = new ArrayList<>();
        private Duration timeout = Duration.ofMinutes(30);

        private Builder(Path share) {
            this.share = requireNonNull(share, "share").toAbsolutePath();
        }

        Builder shareReadOnly(String tag, Path dir) {
            options.add("--share-ro");
            options.add(requireNonNull(tag, "tag") + "=" + requireNonNull(dir, "dir").toAbsolutePath());
            return this;
        }

        Builder env(String name, String value) {
            options.add("--env");
            options.add(requireNonNull(name, "name") + "=" + requireNonNull(value, "value"));
            return this;
        }

        /** Forwards 127.0.0.1:hostPort on the host to guestPort in the guest (loopback only). */
        Builder forward(int hostPort, int guestPort) {
            options.add("--forward");
            options.add(hostPort + ":" + guestPort);
            return this;
        }

        Builder memoryMib(int mib) {
            options.add("--mem");
            options.add(Integer.toString(mib));
            return this;
        }

        Builder scratch(String size) {
            options.add("--scratch");
            options.add(requireNonNull(size, "size"));
            return this;
        }

        /** Hard deadline for boot plus command; QEMU is killed when it passes. */
        Builder timeout(Duration timeout) {
            this.timeout = requireNonNull(timeout, "timeout");
            return this;
        }

        /** Boots the guest and runs {@code command} (working directory /mnt/host) in it. */
        GuestVm start(String... command) throws IOException {
            Files.createDirectories(share.resolve(".nacre"));
            List<String> cmd = new ArrayList<>();
            cmd.add(scriptsDir().resolve("run.sh").toString());
            cmd.add("--share");
            cmd.add(share.toString());
            cmd.add("--timeout");
            cmd.add(Long.toString(timeout.toSeconds()));
            cmd.add("--quiet");
            cmd.addAll(options);
            cmd.add("--");
            cmd.addAll(List.of(command));
            Path runLog = share.resolve(".nacre/run.log");
            Process p = new ProcessBuilder(cmd)
                    .redirectErrorStream(true)
                    .redirectOutput(runLog.toFile())
                    .start();
            p.getOutputStream().close();
            return new GuestVm(p, share, runLog);
        }
    }
}
