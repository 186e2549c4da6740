package io.nacre.conformance.s3;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * s3proxy (org.gaul:s3proxy jar-with-dependencies) with its filesystem backend, run as its own process
 * on a loopback port: the independent S3 server the bench compares against.
 */
final class S3Proxy implements AutoCloseable {

    static final String ACCESS_KEY = "s3proxy-identity";
    static final String SECRET_KEY = "s3proxy-credential";

    private final Process process;
    private final int port;

    private S3Proxy(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    static S3Proxy start(Path dataDir) throws IOException, InterruptedException {
        String jar = System.getProperty("nacre.s3proxy.jar");
        if (jar == null || !Files.exists(Path.of(jar))) {
            throw new IllegalStateException("s3proxy jar not found (system property nacre.s3proxy.jar): " + jar);
        }
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Files.createDirectories(dataDir);
        Path conf = dataDir.resolveSibling(dataDir.getFileName() + ".properties");
        Files.writeString(conf, String.join("\n",
                "s3proxy.endpoint=http://127.0.0.1:" + port,
                "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + ACCESS_KEY,
                "s3proxy.credential=" + SECRET_KEY,
                "jclouds.provider=filesystem",
                "jclouds.filesystem.basedir=" + dataDir.toAbsolutePath(),
                ""));
        String javaCmd = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(javaCmd, "-Xmx2g", "-jar", jar, "--properties", conf.toString())
                .redirectErrorStream(true)
                .redirectOutput(dataDir.resolveSibling(dataDir.getFileName() + ".log").toFile())
                .start();
        S3Proxy proxy = new S3Proxy(p, port);
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (Instant.now().isBefore(deadline)) {
            if (!p.isAlive()) {
                throw new IllegalStateException("s3proxy exited with " + p.exitValue());
            }
            try {
                HttpURLConnection c = (HttpURLConnection) URI.create(proxy.endpoint()).toURL().openConnection();
                c.setConnectTimeout(500);
                c.getResponseCode();
                c.disconnect();
                return proxy;
            } catch (IOException e) {
                Thread.onSpinWait();
                p.waitFor(200, TimeUnit.MILLISECONDS);
            }
        }
        proxy.close();
        throw new IllegalStateException("s3proxy did not start within 60 s");
    }

    String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
