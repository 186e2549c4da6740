package io.nacre.conformance.guest;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The guest runner itself: a command's exit status and files come back through the share, and a port forwarded
 * on the host's loopback reaches a server in the guest (what the appliance boot test will rely on).
 */
@Tag("guest")
class GuestVmTest {
    @BeforeAll
    static void image() throws Exception {
        GuestVm.assumeImage();
    }

    @Test
    void guestReportsTheCommandsExitStatusAndSharesFiles() throws Exception {
        Path share = GuestVm.freshShare("status");
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
    void deadlineKillsTheGuestAndSaysSo() throws Exception {
        Path share = GuestVm.freshShare("deadline");
        try (GuestVm vm = GuestVm.builder(share).timeout(Duration.ofSeconds(20)).scratch("0").start("sleep", "600")) {
            assertThat(vm.awaitExit(Duration.ofMinutes(2))).isEqualTo(GuestVm.TIMED_OUT);
            assertThat(vm.runLog()).contains("deadline of 20 s passed; QEMU killed");
            assertThat(share.resolve(".nacre/exit-status")).doesNotExist();
        }
    }

    @Test
    void forwardedLoopbackPortReachesAServerInTheGuest() throws Exception {
        Path share = GuestVm.freshShare("forward");
        Files.writeString(share.resolve("hello.txt"), "hello from the share\n");
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        // The guest serves the share over HTTP until the host leaves a file named "done" on it.
        String script = "python3 -m http.server 8000 --bind 0.0.0.0 --directory /mnt/host & "
                + "until (exec 3<>/dev/tcp/127.0.0.1/8000) 2>/dev/null; do sleep 0.2; done; echo GUEST-HTTP-UP >/dev/ttyS0; "
                + "for i in $(seq 600); do [ -e done ] && exit 0; sleep 0.5; done; exit 1";
        try (GuestVm vm = GuestVm.builder(share).timeout(Duration.ofMinutes(10)).scratch("0").forward(port, 8000)
                .start("bash", "-c", script)) {
            assertThat(vm.awaitConsole(Pattern.compile("GUEST-HTTP-UP"), Duration.ofMinutes(8)))
                    .as("guest HTTP server up; run.sh log:%n%s", vm.runLog()).isTrue();
            HttpResponse<String> response;
            try (HttpClient http = HttpClient.newHttpClient()) {
                response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/hello.txt"))
                        .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
            }
            Files.writeString(share.resolve("done"), "");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("hello from the share\n");
            assertThat(vm.awaitExit(Duration.ofMinutes(3))).isZero();
        }
    }
}
