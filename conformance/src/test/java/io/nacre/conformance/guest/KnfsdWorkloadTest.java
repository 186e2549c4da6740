package io.nacre.conformance.guest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The kernel NFS client workload of the conformance guest, run end to end against the guest kernel's own knfsd:
 * image build (cached), TCG boot, 9p shares, the in-guest workload, the result back on the share. Proves the
 * pipeline that will run the same workload against Nacre. {@code ./mvnw -B -pl conformance -am verify -Pguest}
 */
@Tag("guest")
class KnfsdWorkloadTest {
    private static final Path RUNS = Path.of("target", "guest");

    @BeforeAll
    static void buildImage() throws IOException, InterruptedException {
        Optional<String> why = GuestVm.whyHostCannotRunQemu();
        Assumptions.assumeTrue(why.isEmpty(), () -> "skipped: this host cannot run QEMU guests: " + why.orElseThrow());
        Path image = GuestVm.ensureImage(RUNS.resolve("build-image.log"), Duration.ofMinutes(40));
        assertThat(image.resolve("base.qcow2")).isRegularFile();
    }

    @Test
    void guestReportsTheCommandsExitStatusAndSharesFiles() throws Exception {
        Path share = freshDir("status");
        try (GuestVm vm = GuestVm.builder(share).timeout(Duration.ofMinutes(10)).scratch("0")
                .start("bash", "-c", "uname -r > kernel.txt; grep -c ' /mnt/host 9p ' /proc/mounts; exit 7")) {
            int status = vm.awaitExit(Duration.ofMinutes(12));
            assertThat(status).as("exit status of the guest command; run.sh log:%n%s", vm.runLog()).isEqualTo(7);
            assertThat(share.resolve("kernel.txt")).content().contains("amd64");
            assertThat(vm.output()).startsWith("1");
            assertThat(vm.consoleText()).contains("NACRE-GUEST-EXIT rc=7");
        }
    }

    @Test
    void linuxClientPassesTheWorkloadAgainstKnfsd() throws Exception {
        Path share = freshDir("workload-knfsd");
        try (GuestVm vm = GuestVm.builder(share)
                .shareReadOnly("tools", GuestVm.scriptsDir().resolve("in-guest"))
                .timeout(Duration.ofMinutes(60))
                .start("bash", "/mnt/tools/workload.sh", "knfsd")) {
            int status = vm.awaitExit(Duration.ofMinutes(65));
            String output = vm.output();
            assertThat(output).as("workload output").contains("PASS big-file-unstriped", "PASS fio-verify",
                    "PASS server-restart", "PASS locks", "PASS big-directory").doesNotContain("FAIL ");
            assertThat(status).as("workload exit status; console tail:%n%s", GuestVm.tail(vm.console(), 60)).isZero();
        }
    }

    private static Path freshDir(String name) throws IOException {
        Path dir = RUNS.resolve(name).toAbsolutePath();
        if (Files.exists(dir)) {
            try (var files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        return Files.createDirectories(dir);
    }
}
