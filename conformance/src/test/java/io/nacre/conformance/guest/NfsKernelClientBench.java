package io.nacre.conformance.guest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The kernel-client NFS bench in one guest boot: knfsd exporting ext4 (the baseline) then Nacre, 1 GiB
 * sequential write and cold read and 10,000 create / stat / unlink, printed as a table with ratios.
 * Target (issue 4): >= 0.8x knfsd for the metadata rows. Sizes: nacre.bench.mib, nacre.bench.files.
 * {@code ./mvnw -B -pl conformance -am verify -Pbench -Dtest=NfsKernelClientBench -Dsurefire.failIfNoSpecifiedTests=false}
 */
@Tag("bench")
class NfsKernelClientBench {

    @BeforeAll
    static void image() throws Exception {
        GuestVm.assumeImage();
    }

    @Test
    void nacreAgainstKnfsd() throws Exception {
        Path share = GuestVm.freshShare("bench-nfs");
        Path dist = NacreDist.snapshot(share);
        try (GuestVm vm = GuestVm.builder(share)
                .shareReadOnly("tools", GuestVm.snapshotInGuestScripts(share))
                .shareReadOnly("dist", dist)
                .env("NACRE_LOG", "/mnt/host/server.log")
                .env("NACRE_START_SECONDS", "900")
                .env("BENCH_MIB", System.getProperty("nacre.bench.mib", "1024"))
                .env("BENCH_FILES", System.getProperty("nacre.bench.files", "10000"))
                .timeout(Duration.ofHours(6))
                .start("bash", "/mnt/tools/bench.sh", "knfsd", "nacre")) {
            int status = vm.awaitExit(Duration.ofHours(6).plusMinutes(5));
            Path table = share.resolve("bench.txt");
            assertThat(status).as("bench exit status; output:%n%s", vm.output()).isZero();
            System.out.println(Files.readString(table));
        }
    }
}
