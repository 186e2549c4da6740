package io.nacre.conformance.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The distribution's launcher, bin/nacre (what ./nacre, the appliance's unit and the guest run): NACRE_JIT
 * picks the JIT compilers and NACRE_CRC32C how CRC32C is computed, and {@code nacre --version} says what the JVM
 * really uses.
 */
class LauncherTest {

    private record Run(int exit, String out, String err) {
    }

    private static Path launcher() {
        Path dist = Path.of(System.getProperty("nacre.dist", "../appliance-image/target/nacre-dist"))
                .toAbsolutePath().normalize();
        Path bin = dist.resolve("bin").resolve("nacre");
        assertThat(bin).as("bin/nacre of the distribution the reactor packaged before this module").isExecutable();
        return bin;
    }

    private static Run run(Map<String, String> env, String... args) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(launcher().toString());
        pb.command().addAll(java.util.List.of(args));
        pb.environment().remove("NACRE_JIT");
        pb.environment().remove("NACRE_CRC32C");
        pb.environment().remove("NACRE_JAVA_OPTS");
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().putAll(env);
        Path err = Files.createTempFile("launcher", ".err");
        try {
            Process p = pb.redirectError(err.toFile()).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("bin/nacre ended").isTrue();
            return new Run(p.exitValue(), out, Files.readString(err));
        } finally {
            Files.deleteIfExists(err);
        }
    }

    @Test
    void nacreJitC1RunsTheJvmWithC1Alone() throws Exception {
        Run r = run(Map.of("NACRE_JIT", "c1"), "--version");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("JIT C1 only").contains("Java " + Runtime.version().feature());
    }

    @Test
    void nacreJitFullKeepsBothCompilers() throws Exception {
        Run r = run(Map.of("NACRE_JIT", "full"), "--version");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("JIT C1 and C2");
    }

    @Test
    void tierOptionsOfNacreJavaOptsWinOverTheAutomaticChoice() throws Exception {
        Run r = run(Map.of("NACRE_JAVA_OPTS", "-XX:-TieredCompilation"), "--version");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("JIT C2 only");
    }

    @Test
    void nacreCrc32cJavaTurnsTheIntrinsicOffAndTheBannerSaysSo() throws Exception {
        Run java = run(Map.of("NACRE_CRC32C", "java"), "--version");
        assertThat(java.exit()).as(java.err()).isZero();
        assertThat(java.out()).contains("CRC32C in Java");
        Run intrinsic = run(Map.of("NACRE_CRC32C", "intrinsic"), "--version");
        assertThat(intrinsic.exit()).as(intrinsic.err()).isZero();
        assertThat(intrinsic.out()).contains("JIT").doesNotContain("CRC32C");
    }

    @Test
    void anUnknownNacreCrc32cIsRefusedByName() throws Exception {
        Run r = run(Map.of("NACRE_CRC32C", "fast"), "--version");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("NACRE_CRC32C").contains("'fast'");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void anUnknownNacreJitIsRefusedByName() throws Exception {
        Run r = run(Map.of("NACRE_JIT", "fast"), "--version");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("NACRE_JIT").contains("'fast'");
        assertThat(r.out()).isEmpty();
    }
}
