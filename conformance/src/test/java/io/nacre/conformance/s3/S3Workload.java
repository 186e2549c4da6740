package io.nacre.conformance.s3;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The bench's workload, the same against any S3 endpoint, with the AWS SDK's sync client: PUT and GET
 * of large objects (one stream), and PUT and GET of 4 KiB objects at 32 concurrent requests.
 */
final class S3Workload {

    static final int CONCURRENCY = 32;
    static final int SMALL = 4096;

    /** What one endpoint did. */
    record Result(double putMiBs, double getMiBs, double smallPutOps, double smallGetOps) {
    }

    static S3Client client(String endpoint, String accessKey, String secretKey) {
        return S3Client.builder()
                .endpointOverride(URI.create(endpoint))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)))
                .forcePathStyle(true)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClientBuilder(Apache5HttpClient.builder().maxConnections(CONCURRENCY * 2))
                .build();
    }

    /** A file of pseudo-random bytes to upload (made once, then in the page cache). */
    static Path dataFile(Path dir, long size) throws IOException {
        Path f = dir.resolve("bench-" + size + ".bin");
        if (Files.exists(f) && Files.size(f) == size) {
            return f;
        }
        Files.createDirectories(dir);
        byte[] buf = new byte[1 << 20];
        Random r = new Random(size);
        try (OutputStream out = Files.newOutputStream(f)) {
            for (long done = 0; done < size; done += buf.length) {
                r.nextBytes(buf);
                out.write(buf, 0, (int) Math.min(buf.length, size - done));
            }
        }
        return f;
    }

    static Result run(S3Client s3, String bucket, Path large, int largeRounds, int smallObjects) throws Exception {
        s3.createBucket(b -> b.bucket(bucket));
        warmUp(s3, bucket, large);
        long size = Files.size(large);
        long putNanos = 0;
        long getNanos = 0;
        for (int i = 0; i < largeRounds; i++) {
            String key = "large-" + i;
            long t0 = System.nanoTime();
            s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromFile(large));
            long t1 = System.nanoTime();
            long got;
            try (InputStream in = s3.getObject(b -> b.bucket(bucket).key(key), ResponseTransformer.toInputStream())) {
                got = in.transferTo(OutputStream.nullOutputStream());
            }
            long t2 = System.nanoTime();
            if (got != size) {
                throw new IllegalStateException("GET returned " + got + " bytes of " + size);
            }
            putNanos += t1 - t0;
            getNanos += t2 - t1;
            s3.deleteObject(b -> b.bucket(bucket).key(key));
        }
        double mib = (double) size * largeRounds / (1 << 20);

        byte[] small = new byte[SMALL];
        new Random(1).nextBytes(small);
        double putOps = parallel(smallObjects, i -> s3.putObject(b -> b.bucket(bucket).key("small/" + i),
                RequestBody.fromBytes(small)));
        double getOps = parallel(smallObjects, i -> {
            byte[] b = s3.getObjectAsBytes(r -> r.bucket(bucket).key("small/" + i)).asByteArray();
            if (b.length != SMALL) {
                throw new IllegalStateException("short GET");
            }
        });
        return new Result(mib / (putNanos / 1e9), mib / (getNanos / 1e9), putOps, getOps);
    }

    /** Untimed: the JIT compiles both sides' hot paths before anything is measured. */
    static void warmUp(S3Client s3, String bucket, Path large) throws Exception {
        Path quarter = dataFile(large.getParent(), Files.size(large) / 4);
        s3.putObject(b -> b.bucket(bucket).key("warm-up"), RequestBody.fromFile(quarter));
        try (InputStream in = s3.getObject(b -> b.bucket(bucket).key("warm-up"), ResponseTransformer.toInputStream())) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        s3.deleteObject(b -> b.bucket(bucket).key("warm-up"));
        byte[] small = new byte[SMALL];
        parallel(1000, i -> s3.putObject(b -> b.bucket(bucket).key("warm/" + i), RequestBody.fromBytes(small)));
        parallel(1000, i -> s3.getObjectAsBytes(b -> b.bucket(bucket).key("warm/" + i)));
    }

    interface Op {
        void run(int i) throws Exception;
    }

    /** Runs op(0..n-1) on CONCURRENCY threads; returns operations per second. */
    static double parallel(int n, Op op) throws Exception {
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(CONCURRENCY);
        try {
            List<Future<?>> fs = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int t = 0; t < CONCURRENCY; t++) {
                fs.add(pool.submit(() -> {
                    int i;
                    while ((i = next.getAndIncrement()) < n) {
                        op.run(i);
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
            return n / ((System.nanoTime() - t0) / 1e9);
        } finally {
            pool.shutdownNow();
        }
    }
}
