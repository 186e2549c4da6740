package io.nacre.appliance.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nacre up} as a real process: it says what it started and where, and stops cleanly on SIGTERM. */
class UpProcessTest {

    @TempDir
    Path tmp;

    private static List<String> nacre(String... args) {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
        cmd.addAll(List.of("--add-opens", "java.base/java.nio=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), "io.nacre.appliance.Main"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    @Test
    void aTakenPortIsOneClearLineAndAFailedStart() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Process p = new ProcessBuilder(nacre("up", "--data", tmp.resolve("data").toString(), "--admin-port", "0",
                    "--s3-port", "0", "--nfs-port", Integer.toString(taken.getLocalPort())))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try {
                assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("a failed start ends the process").isTrue();
                String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(p.exitValue()).isNotZero();
                assertThat(err).contains("nacre: cannot serve NFS on 127.0.0.1:" + taken.getLocalPort())
                        .doesNotContain("internal error");
            } finally {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void upPrintsTheAddressesItListensOnAndStopsCleanlyOnSigterm() throws Exception {
        // 127.0.0.2: a loopback address that is not the default, so a line that names 127.0.0.1 is wrong
        List<String> cmd = nacre("up", "--data", tmp.resolve("data").toString(), "--bind", "127.0.0.2", "--admin-port", "0",
                "--s3-port", "0", "--nfs-port", "0");
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            List<String> lines = new ArrayList<>();
            String line;
            while ((line = out.readLine()) != null && !line.startsWith("Stop with")) {
                lines.add(line);
            }
            String all = String.join("\n", lines);
            assertThat(all).contains("Nacre is up", "MDS", "OSTs    4 (OST0000..OST0003)");
            Matcher nfs = Pattern.compile(
                    "NFS\\s+127\\.0\\.0\\.2:(\\d+)\\s+\\(mount -t nfs -o vers=4\\.1,port=(\\d+) 127\\.0\\.0\\.2:/ /mnt\\)")
                    .matcher(all);
            assertThat(nfs.find()).as("NFS line in: " + all).isTrue();
            assertThat(nfs.group(2)).isEqualTo(nfs.group(1));
            List<Integer> ports = new ArrayList<>(List.of(Integer.parseInt(nfs.group(1))));
            for (String role : List.of("S3\\s+http://", "admin\\s+http://", "OSS\\s+")) {
                Matcher m = Pattern.compile(role + "127\\.0\\.0\\.2:(\\d+)\\s").matcher(all);
                assertThat(m.find()).as(role + " line with 127.0.0.2 in: " + all).isTrue();
                ports.add(Integer.parseInt(m.group(1)));
            }
            assertThat(lines).as("only the MDS, which serves this process alone, stays on 127.0.0.1")
                    .filteredOn(l -> l.contains("127.0.0.1")).allMatch(l -> l.startsWith("  MDS "));
            assertThat(all).doesNotContain("bound to");
            for (int port : ports) {
                // what it printed is where it listens: 127.0.0.2 answers, 127.0.0.1 does not
                new Socket("127.0.0.2", port).close();
                assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).as("127.0.0.1:" + port)
                        .isInstanceOf(ConnectException.class);
            }

            p.toHandle().destroy(); // SIGTERM, leaving our end of the pipes open
            StringBuilder rest = new StringBuilder();
            while ((line = out.readLine()) != null) { // until the process closes its stdout by exiting
                rest.append(line).append('\n');
            }
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(rest.toString()).contains("stopping", "stopped; every role closed its data cleanly");
            assertThat(p.exitValue()).isIn(0, 143);
        } finally {
            p.destroyForcibly();
        }
    }
}
