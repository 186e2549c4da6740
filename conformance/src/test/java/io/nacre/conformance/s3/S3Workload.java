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
 * of large objects (one stream), and PUT and GET of 4 KiB objects at 32 concurrent requests. The bench
 * runs it in a JVM of its own ({@link #main}) so that the client's JIT, GC and threads are not counted
 * against the server measured; it prints a {@code PHASE start|end NAME} line around each timed case
 * (the bench profiles the server by them) and one {@code RESULT} line at the end.
 */
final class S3Workload {

    static final int CONCURRENCY = 32;
    static final int SMALL = 4096;

    /** What one endpoint did. */
    record Result(double putMiBs, double getMiBs, double smallPutOps, double smallGetOps) {

        static final String PREFIX = "RESULT ";

        String line() {
            return PREFIX + putMiBs + " " + getMiBs + " " + smallPutOps + " " + smallGetOps;
        }

        static Result parse(String line) {
            String[] f = line.substring(PREFIX.length()).trim().split(" ");
            return new Result(Double.parseDouble(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2]),
                    Double.parseDouble(f[3]));
        }
    }

    /** Marks the start or end of a timed case on stdout, for the bench's profiler. */
    static void phase(String what, String name) {
        System.out.println("PHASE " + what + " " + name);
        System.out.flush();
        if (what.equals("end") && handshake) {
            awaitGo();
        }
    }

    /** Set when the bench drives this JVM: after each case, it waits for the bench's "go" on stdin. */
    private static boolean handshake;
    private static final java.io.BufferedReader STDIN = new java.io.BufferedReader(
            new java.io.InputStreamReader(System.in, java.nio.charset.StandardCharsets.UTF_8));

    /** Waits until the bench has let the server settle (its background work after a case done). */
    private static void awaitGo() {
        try {
            if (STDIN.readLine() == null) {
                throw new IllegalStateException("the bench went away");
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Child JVM entry: ENDPOINT ACCESS_KEY SECRET_KEY BUCKET LARGE_FILE LARGE_ROUNDS SMALL_OBJECTS [handshake]
     * (with "handshake", each case's end waits for a line on stdin).
     */
    public static void main(String[] args) throws Exception {
        if (args.length != 7 && !(args.length == 8 && args[7].equals("handshake"))) {
            throw new IllegalArgumentException(
                    "usage: S3Workload endpoint accessKey secretKey bucket largeFile rounds smallObjects [handshake]");
        }
        handshake = args.length == 8;
        try (S3Client c = client(args[0], args[1], args[2])) {
            Result r = run(c, args[3], Path.of(args[4]), Integer.parseInt(args[5]), Integer.parseInt(args[6]));
            System.out.println(r.line());
        }
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
            phase("start", "put-large");
            long t0 = System.nanoTime();
            s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromFile(large));
            long t1 = System.nanoTime();
            phase("end", "put-large");
            phase("start", "get-large");
            // The GET's clock starts here, not at the PUT's end: the bench's wait for a quiet server after
            // the PUT (its WAL checkpoint, half a second at least) is no part of the GET.
            long t2 = System.nanoTime();
            long got;
            try (InputStream in = s3.getObject(b -> b.bucket(bucket).key(key), ResponseTransformer.toInputStream())) {
                got = in.transferTo(OutputStream.nullOutputStream());
            }
            long t3 = System.nanoTime();
            phase("end", "get-large");
            if (got != size) {
                throw new IllegalStateException("GET returned " + got + " bytes of " + size);
            }
            putNanos += t1 - t0;
            getNanos += t3 - t2;
            s3.deleteObject(b -> b.bucket(bucket).key(key));
        }
        double mib = (double) size * largeRounds / (1 << 20);

        byte[] small = new byte[SMALL];
        new Random(1).nextBytes(small);
        phase("start", "put-small");
        double putOps = parallel(smallObjects, i -> s3.putObject(b -> b.bucket(bucket).key("small/" + i),
                RequestBody.fromBytes(small)));
        phase("end", "put-small");
        phase("start", "get-small");
        double getOps = parallel(smallObjects, i -> {
            byte[] b = s3.getObjectAsBytes(r -> r.bucket(bucket).key("small/" + i)).asByteArray();
            if (b.length != SMALL) {
                throw new IllegalStateException("short GET");
            }
        });
        phase("end", "get-small");
        return new Result(mib / (putNanos / 1e9), mib / (getNanos / 1e9), putOps, getOps);
    }

    /** Small PUTs and GETs (each) of one round of the warm-up. */
    static final int WARM_UP_ROUND = Integer.getInteger("nacre.bench.warmUpRound", 2000);

    /**
     * Untimed: the JIT compiles both sides' hot paths before anything is measured. One large PUT and GET,
     * then rounds of small PUTs and GETs. With handshake, each round ends with a {@code PHASE end warm-up}
     * line and the bench answers "more" while the server's JIT is still busy with it (see S3Bench), "go"
     * once not; without, one round.
     */
    static void warmUp(S3Client s3, String bucket, Path large) throws Exception {
        Path quarter = dataFile(large.getParent(), Files.size(large) / 4);
        s3.putObject(b -> b.bucket(bucket).key("warm-up"), RequestBody.fromFile(quarter));
        try (InputStream in = s3.getObject(b -> b.bucket(bucket).key("warm-up"), ResponseTransformer.toInputStream())) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        s3.deleteObject(b -> b.bucket(bucket).key("warm-up"));
        byte[] small = new byte[SMALL];
        for (int round = 0; ; round++) {
            String prefix = "warm/" + round + "/";
            System.out.println("PHASE start warm-up");
            System.out.flush();
            parallel(WARM_UP_ROUND, i -> s3.putObject(b -> b.bucket(bucket).key(prefix + i), RequestBody.fromBytes(small)));
            parallel(WARM_UP_ROUND, i -> s3.getObjectAsBytes(b -> b.bucket(bucket).key(prefix + i)));
            System.out.println("PHASE end warm-up");
            System.out.flush();
            if (!handshake) {
                return;
            }
            String answer = STDIN.readLine();
            if (answer == null) {
                throw new IllegalStateException("the bench went away");
            }
            if (!answer.equals("more")) {
                return;
            }
        }
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
