package io.nacre.conformance.s3;

import java.nio.file.Path;
import software.amazon.awssdk.services.s3.S3Client;

/** Temporary: runs the bench workload against s3proxy alone (until the core lands). */
final class S3ProxyBaselineProbe {
    public static void main(String[] args) throws Exception {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        try (S3Proxy p = S3Proxy.start(tmp.resolve("s3proxy-data"));
             S3Client c = S3Workload.client(p.endpoint(), S3Proxy.ACCESS_KEY, S3Proxy.SECRET_KEY)) {
            S3Workload.Result r = S3Workload.run(c, "bench", S3Workload.dataFile(tmp, 1L << 30), 2, 5000);
            System.out.println(r);
        }
    }
}
