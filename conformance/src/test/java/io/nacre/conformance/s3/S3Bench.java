package io.nacre.conformance.s3;

import io.nacre.appliance.hsm.S3ProxyProcess;
import io.nacre.s3.auth.KeyStore;
import io.nacre.s3.it.NacreS3;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The S3 bench: the same workload (AWS SDK v2 on loopback) against Nacre and against s3proxy 4.1.0
 * with its filesystem backend, in one process run, printed as a table with the ratios. Targets: PUT of
 * large objects >= 2x s3proxy, GET >= 1x, 4 KiB objects >= 4x. Run with
 * {@code ./mvnw -pl conformance -am verify -Dgroups=bench -Dtest=S3Bench -Dsurefire.failIfNoSpecifiedTests=false}
 * or its main.
 */
@Tag("bench")
class S3Bench {

    static final int LARGE_ROUNDS = Integer.getInteger("nacre.bench.largeRounds", 2);
    static final int SMALL_OBJECTS = Integer.getInteger("nacre.bench.smallObjects", 8000);

    @Test
    void nacreAgainstS3proxy() throws Exception {
        main(new String[0]);
    }

    public static void main(String[] args) throws Exception {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir")).resolve("s3bench");
        Files.createDirectories(tmp);
        Path large = S3Workload.dataFile(tmp, 1L << 30);

        S3Workload.Result baseline;
        Path proxyData = Files.createTempDirectory(tmp, "s3proxy-");
        try (S3ProxyProcess p = S3ProxyProcess.start(proxyData, "2g");
             S3Client c = S3Workload.client(p.endpoint(), S3ProxyProcess.ACCESS_KEY, S3ProxyProcess.SECRET_KEY)) {
            baseline = S3Workload.run(c, "bench", large, LARGE_ROUNDS, SMALL_OBJECTS);
        }
        S3Workload.Result nacre;
        try (NacreS3 n = NacreS3.start(Files.createTempDirectory(tmp, "nacre-"))) {
            KeyStore.Key root = n.keys.root();
            try (S3Client c = S3Workload.client(n.endpoint(), root.accessKey(), root.secretKey())) {
                nacre = S3Workload.run(c, "bench", large, LARGE_ROUNDS, SMALL_OBJECTS);
            }
        }
        System.out.println(table(nacre, baseline));
    }

    static String table(S3Workload.Result n, S3Workload.Result p) {
        StringBuilder sb = new StringBuilder("\nS3 bench (AWS SDK v2 sync client, loopback; large = 1 GiB objects, one "
                + "stream; small = 4 KiB objects, 32 concurrent requests)\n");
        sb.append(String.format(Locale.ROOT, "%-22s %12s %12s %8s %8s%n", "", "nacre", "s3proxy", "ratio", "target"));
        row(sb, "PUT 1 GiB (MiB/s)", n.putMiBs(), p.putMiBs(), 2);
        row(sb, "GET 1 GiB (MiB/s)", n.getMiBs(), p.getMiBs(), 1);
        row(sb, "PUT 4 KiB (ops/s)", n.smallPutOps(), p.smallPutOps(), 4);
        row(sb, "GET 4 KiB (ops/s)", n.smallGetOps(), p.smallGetOps(), 4);
        return sb.toString();
    }

    private static void row(StringBuilder sb, String name, double n, double p, double target) {
        sb.append(String.format(Locale.ROOT, "%-22s %12.1f %12.1f %7.2fx %7.0fx%n", name, n, p, n / p, target));
    }
}
