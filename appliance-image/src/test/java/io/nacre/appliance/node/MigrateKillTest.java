package io.nacre.appliance.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.appliance.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restripe (setstripe on a file with data) killed between its copy and its swap, as kill -9 would (the
 * process halts at the fault point): after a restart the file has its old layout and every byte, the staged
 * copy the crash left is gone, and the next restripe goes through and leaves no staged copy behind.
 */
class MigrateKillTest {

    private static final Duration START = Duration.ofMinutes(4);

    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {
    }

    private static Run cli(String admin, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] all = new String[args.length + 2];
        all[0] = "--admin";
        all[1] = admin;
        System.arraycopy(args, 0, all, 2, args.length);
        int code = Main.run(all, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    private NacreProcess up(String log, Map<String, String> env) throws Exception {
        return NacreProcess.start(tmp.resolve(log), env, "up", "--data", tmp.resolve("data").toString(),
                "--admin-port", "0", "--s3-port", "0", "--nfs-port", "0").awaitUp(START);
    }

    private static String admin(NacreProcess p) throws InterruptedException {
        return p.await(Pattern.compile("admin\\s+(http://127\\.0\\.0\\.1:\\d+)"), START);
    }

    /** The inodes in use (df's files total minus free): the hidden staging files count too. */
    private static long inodesUsed(String admin) {
        String json = cli(admin, "df", "--json").out();
        return field(json, "files_total") - field(json, "files_free");
    }

    private static long field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\" : (\\d+)").matcher(json);
        assertThat(m.find()).as(name + " in " + json).isTrue();
        return Long.parseLong(m.group(1));
    }

    @Test
    void aRestripeKilledBetweenCopyAndSwapLosesNothingAndLeavesNothingBehind() throws Exception {
        byte[] content = new byte[3 * 1024 * 1024 + 4321];
        new Random(9).nextBytes(content);
        Path local = Files.write(tmp.resolve("in.bin"), content);
        Path back = tmp.resolve("back.bin");
        try (NacreProcess p = up("first.log", Map.of("NACRE_FAULTS", "fileio.migrate.before_swap=halt:1"))) {
            String admin = admin(p);
            assertThat(cli(admin, "put", local.toString(), "/f").code()).isZero();
            assertThat(cli(admin, "getstripe", "/f").out()).contains("stripe_count: 1");
            // the process dies with the copy made and the swap not done
            assertThat(cli(admin, "setstripe", "-c", "4", "-S", "64K", "/f").code()).isNotZero();
            assertThat(p.exitCode(Duration.ofSeconds(60))).isEqualTo(137);
        }
        try (NacreProcess p = up("second.log", Map.of())) {
            String admin = admin(p);
            assertThat(cli(admin, "getstripe", "/f").out()).contains("stripe_count: 1");
            assertThat(cli(admin, "get", "/f", back.toString()).code()).isZero();
            assertThat(Files.readAllBytes(back)).isEqualTo(content);
            long withLeftover = inodesUsed(admin);

            assertThat(cli(admin, "setstripe", "-c", "4", "-S", "64K", "/f").code()).isZero();
            assertThat(cli(admin, "getstripe", "/f").out()).contains("stripe_count: 4", "stripe_size:  65536");
            Files.delete(back);
            assertThat(cli(admin, "get", "/f", back.toString()).code()).isZero();
            assertThat(Files.readAllBytes(back)).isEqualTo(content);
            // the copy the crash left was removed at the restart (its objects queued for destruction): this
            // restripe's staged copy became the file's layout and left no inode behind either
            assertThat(inodesUsed(admin)).isEqualTo(withLeftover);
        }
    }
}
