package io.nacre.s3.it;

import io.nacre.engine.io.Destroyer;
import io.nacre.engine.io.FileIo;
import io.nacre.engine.meta.MetadataService;
import io.nacre.meta.testkit.EmbeddedCore;
import io.nacre.s3.S3Server;
import io.nacre.s3.auth.KeyStore;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * The real thing, embedded: a core (one MDS peer, four OSTs), FileIo over it, and the S3 gateway on
 * 127.0.0.1 with an ephemeral port, all under one temporary directory.
 */
public final class NacreS3 implements AutoCloseable {

    public final Path dir;
    public final EmbeddedCore core;
    public final FileIo io;
    public final KeyStore keys;
    public final S3Server server;
    private final Destroyer destroyer;

    private NacreS3(Path dir, EmbeddedCore core, FileIo io, Destroyer destroyer, KeyStore keys, S3Server server) {
        this.dir = dir;
        this.core = core;
        this.io = io;
        this.destroyer = destroyer;
        this.keys = keys;
        this.server = server;
    }

    public static NacreS3 start(Path dir) {
        return start(dir, b -> { });
    }

    public static NacreS3 start(Path dir, java.util.function.Consumer<S3Server.Builder> options) {
        return start(dir, m -> m, options);
    }

    /**
     * As {@link #start(Path, java.util.function.Consumer)}, the gateway and its FileIo seeing the core's MDS
     * through {@code wrap}.
     */
    public static NacreS3 start(Path dir, java.util.function.UnaryOperator<MetadataService> wrap,
                                java.util.function.Consumer<S3Server.Builder> options) {
        EmbeddedCore core = EmbeddedCore.start(dir.resolve("core"));
        MetadataService mds = wrap.apply(core.metadata());
        FileIo io = new FileIo(mds, core.objects());
        // As the appliance does: removed files' objects are destroyed in the background.
        Destroyer destroyer = new Destroyer(io);
        destroyer.start();
        KeyStore keys = KeyStore.open(dir, Map.of());
        S3Server.Builder b = S3Server.builder()
                .bind(new InetSocketAddress("127.0.0.1", 0))
                .metadata(mds)
                .fileIo(io)
                .keys(keys);
        options.accept(b);
        S3Server server = b.build().start();
        return new NacreS3(dir, core, io, destroyer, keys, server);
    }

    public String endpoint() {
        return "http://127.0.0.1:" + server.port();
    }

    /** An SDK client as root, path style, with the SDK's default checksum behaviour. */
    public S3Client client() {
        return builder(keys.root()).build();
    }

    public S3ClientBuilder builder(KeyStore.Key key) {
        return S3Client.builder()
                .endpointOverride(URI.create(endpoint()))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(key.accessKey(), key.secretKey())))
                .forcePathStyle(true)
                .overrideConfiguration(o -> o.apiCallTimeout(Duration.ofMinutes(5)));
    }

    /** A client that sends checksums only when an operation requires them. */
    public S3Client whenRequiredClient() {
        return builder(keys.root())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .build();
    }

    /** Pseudo-random bytes, the same for the same seed. */
    public static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new java.util.Random(seed).nextBytes(b);
        return b;
    }

    /** The HTTP status and S3 error code a request fails with, as "404 NoSuchKey". */
    public static String code(Runnable r) {
        try {
            r.run();
        } catch (software.amazon.awssdk.services.s3.model.S3Exception e) {
            String c = e.awsErrorDetails().errorCode();
            return e.statusCode() + " " + (c == null ? "" : c);
        }
        throw new AssertionError("no error");
    }

    @Override
    public void close() {
        server.close();
        destroyer.close();
        io.close();
        core.close();
    }
}
