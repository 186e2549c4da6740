package io.nacre.appliance.hsm;

import io.nacre.appliance.fileio.Poll;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * s3proxy 4.1.0 (org.gaul:s3proxy jar-with-dependencies, from Maven Central) with its filesystem backend,
 * as its own process on a loopback port: the independent S3 server HSM archives to in tests, and the
 * baseline of conformance's S3 bench (which takes it from this module's test-jar).
 */
public final class S3ProxyProcess implements AutoCloseable {

    public static final String ACCESS_KEY = "s3proxy-identity";
    public static final String SECRET_KEY = "s3proxy-credential";

    private final Process process;
    private final int port;
    final Path dataDir;

    private S3ProxyProcess(Process process, int port, Path dataDir) {
        this.process = process;
        this.port = port;
        this.dataDir = dataDir;
    }

    /** s3proxy with its data and log under {@code dir}, and a heap enough for tests. */
    static S3ProxyProcess start(Path dir) throws IOException {
        return start(dir, "512m");
    }

    /** s3proxy with its data and log under {@code dir}, and a JVM heap of {@code maxHeap} ({@code -Xmx}). */
    public static S3ProxyProcess start(Path dir, String maxHeap) throws IOException {
        String jar = System.getProperty("nacre.s3proxy.jar");
        if (jar == null || !Files.exists(Path.of(jar))) {
            throw new IllegalStateException("s3proxy jar not found (system property nacre.s3proxy.jar): " + jar);
        }
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path data = Files.createDirectories(dir.resolve("data"));
        Path conf = dir.resolve("s3proxy.properties");
        Files.writeString(conf, String.join("\n",
                "s3proxy.endpoint=http://127.0.0.1:" + port,
                "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + ACCESS_KEY,
                "s3proxy.credential=" + SECRET_KEY,
                "jclouds.provider=filesystem",
                "jclouds.filesystem.basedir=" + data.toAbsolutePath(),
                ""));
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(java, "-Xmx" + maxHeap, "-jar", jar, "--properties", conf.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("s3proxy.log").toFile()).start();
        S3ProxyProcess proxy = new S3ProxyProcess(p, port, data);
        try {
            Poll.until(Duration.ofSeconds(60), "s3proxy answers on port " + port, () -> {
                if (!p.isAlive()) {
                    throw new IllegalStateException("s3proxy exited with " + p.exitValue() + "; see " + dir.resolve("s3proxy.log"));
                }
                try {
                    HttpURLConnection c = (HttpURLConnection) URI.create(proxy.endpoint()).toURL().openConnection();
                    c.setConnectTimeout(500);
                    c.getResponseCode();
                    c.disconnect();
                    return true;
                } catch (IOException e) {
                    return false;
                }
            });
        } catch (RuntimeException | Error e) {
            proxy.close();
            throw e;
        }
        return proxy;
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    /** A plain S3 client of this server: what a user without Nacre would read the archive with. */
    S3Client client() {
        return S3Client.builder().endpointOverride(URI.create(endpoint())).region(Region.US_EAST_1).forcePathStyle(true)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .build();
    }

    void createBucket(String bucket) {
        try (S3Client c = client()) {
            c.createBucket(r -> r.bucket(bucket));
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
