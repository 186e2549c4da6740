package io.nacre.appliance.hsm;

import io.nacre.appliance.node.Node;
import io.nacre.appliance.node.NodeOptions;
import io.nacre.s3.auth.KeyStore;
import io.nacre.s3.copytool.S3ArchiveConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The S3 server an HSM test archives to, started by the test: s3proxy (independent of Nacre) or another
 * Nacre through its S3 gateway. Tests that must hold against both take a {@link Kind} as parameter.
 *
 * @param clients makes plain SDK clients of the server
 * @param server stops the server
 */
record ArchiveServer(String endpoint, String accessKey, String secretKey, Supplier<S3Client> clients,
        AutoCloseable server) implements AutoCloseable {

    /** Which server. */
    enum Kind {
        S3PROXY, NACRE;

        ArchiveServer start(Path dir) throws IOException {
            return switch (this) {
                case S3PROXY -> s3proxy(dir);
                case NACRE -> nacre(dir);
            };
        }
    }

    static ArchiveServer s3proxy(Path dir) throws IOException {
        S3ProxyProcess p = S3ProxyProcess.start(dir);
        return new ArchiveServer(p.endpoint(), S3ProxyProcess.ACCESS_KEY, S3ProxyProcess.SECRET_KEY, p::client, p);
    }

    /** Another Nacre, its own node with its own data, reached through its S3 gateway with its root key. */
    static ArchiveServer nacre(Path dir) {
        Node n = Node.start(NodeOptions.ephemeral(dir));
        KeyStore.Key key = n.keys().root();
        return new ArchiveServer(n.s3Uri(), key.accessKey(), key.secretKey(), () -> client(n, key), n);
    }

    /** An SDK client of a Nacre's S3 that does not retry: each answer is seen as the server gave it. */
    static S3Client client(Node n, KeyStore.Key key) {
        return S3Client.builder().endpointOverride(URI.create(n.s3Uri())).region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(key.accessKey(),
                        key.secretKey())))
                .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
    }

    /** A plain SDK client of this server: what someone without the archiving Nacre reads the archive with. */
    S3Client client() {
        return clients.get();
    }

    void createBucket(String bucket) {
        try (S3Client c = client()) {
            c.createBucket(r -> r.bucket(bucket));
        }
    }

    /** A copytool's configuration of archive {@code id} in {@code bucket} here (add a prefix, part size...). */
    S3ArchiveConfig.Builder archive(int id, String bucket) {
        return S3ArchiveConfig.builder(id, bucket).endpoint(URI.create(endpoint)).credentials(accessKey, secretKey);
    }

    /** The same as lines of an HSM settings file ({@code archive.<id>.*}); add the others to them. */
    List<String> settings(int id, String bucket) {
        String a = "archive." + id + ".";
        return List.of(a + "endpoint = " + endpoint, a + "bucket = " + bucket, a + "access_key = " + accessKey,
                a + "secret_key = " + secretKey);
    }

    @Override
    public void close() throws Exception {
        server.close();
    }
}
