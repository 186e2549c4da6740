package io.nacre.conformance.guest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
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
    @BeforeAll
    static void image() throws Exception {
        GuestVm.assumeImage();
    }

    @Test
    void linuxClientPassesTheWorkloadAgainstKnfsd() throws Exception {
        Path share = GuestVm.freshShare("workload-knfsd");
        try (GuestVm vm = GuestVm.builder(share)
                .shareReadOnly("tools", GuestVm.snapshotInGuestScripts(share))
                .timeout(Duration.ofMinutes(60))
                .start("bash", "/mnt/tools/workload.sh", "knfsd")) {
            int status = vm.awaitExit(Duration.ofMinutes(65));
            String output = vm.output();
            assertThat(output).as("workload output").contains("PASS big-file-unstriped", "PASS fio-verify",
                    "PASS server-restart", "PASS locks", "PASS big-directory").doesNotContain("FAIL ");
            assertThat(status).as("workload exit status; console tail:%n%s", GuestVm.tail(vm.console(), 60)).isZero();
        }
    }
}
