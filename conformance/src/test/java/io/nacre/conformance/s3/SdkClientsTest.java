package io.nacre.conformance.s3;

import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.s3.auth.KeyStore;
import io.nacre.s3.it.NacreS3;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;

/**
 * The AWS SDK for Java v2's clients against Nacre: the sync client with default checksums and with
 * WHEN_REQUIRED, the async Netty client (with its multipart support), and the CRT client.
 */
class SdkClientsTest {

    static final int MIB = 1 << 20;

    @TempDir
    static Path dir;
    static NacreS3 nacre;
    static KeyStore.Key root;
    static byte[] data;

    @BeforeAll
    static void start() {
        nacre = NacreS3.start(dir);
        root = nacre.keys.root();
        data = new byte[19 * MIB + 11];
        new Random(3).nextBytes(data);
        try (S3Client s3 = nacre.client()) {
            s3.createBucket(b -> b.bucket("sdk"));
        }
    }

    @AfterAll
    static void stop() {
        nacre.close();
    }

    static String md5(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(b));
    }

    StaticCredentialsProvider creds() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(root.accessKey(), root.secretKey()));
    }

    @Test
    void syncClientWithDefaultAndRequiredChecksums() throws Exception {
        for (S3Client s3 : new S3Client[] {nacre.client(), nacre.whenRequiredClient()}) {
            try (s3) {
                s3.putObject(b -> b.bucket("sdk").key("sync/obj"), RequestBody.fromBytes(data));
                assertThat(s3.getObjectAsBytes(b -> b.bucket("sdk").key("sync/obj")).asByteArray()).isEqualTo(data);
                s3.putObject(b -> b.bucket("sdk").key("sync/sha").checksumAlgorithm(ChecksumAlgorithm.SHA256),
                        RequestBody.fromBytes(data));
                assertThat(s3.listObjectsV2(b -> b.bucket("sdk").prefix("sync/")).keyCount()).isEqualTo(2);
                s3.deleteObject(b -> b.bucket("sdk").key("sync/obj"));
                s3.deleteObject(b -> b.bucket("sdk").key("sync/sha"));
            }
        }
    }

    @Test
    void asyncNettyClientWithMultipart() throws Exception {
        try (S3AsyncClient s3 = S3AsyncClient.builder().endpointOverride(URI.create(nacre.endpoint()))
                .region(Region.US_EAST_1).credentialsProvider(creds()).forcePathStyle(true)
                .multipartEnabled(true).multipartConfiguration(m -> m.thresholdInBytes(8L * MIB).minimumPartSizeInBytes(8L * MIB))
                .build()) {
            s3.putObject(b -> b.bucket("sdk").key("netty/obj"), AsyncRequestBody.fromBytes(data)).join();
            byte[] back = s3.getObject(b -> b.bucket("sdk").key("netty/obj"), AsyncResponseTransformer.toBytes()).join()
                    .asByteArray();
            assertThat(md5(back)).isEqualTo(md5(data));
            try (S3Client sync = nacre.client()) {
                assertThat(sync.headObject(b -> b.bucket("sdk").key("netty/obj")).eTag()).endsWith("-3\"");
            }
        }
    }

    @Test
    void crtClient() throws Exception {
        try (S3AsyncClient s3 = S3AsyncClient.crtBuilder().endpointOverride(URI.create(nacre.endpoint()))
                .region(Region.US_EAST_1).credentialsProvider(creds()).forcePathStyle(true)
                .minimumPartSizeInBytes(8L * MIB).build()) {
            s3.putObject(b -> b.bucket("sdk").key("crt/obj"), AsyncRequestBody.fromBytes(data)).join();
            Path down = dir.resolve("crt-down.bin");
            s3.getObject(b -> b.bucket("sdk").key("crt/obj"), AsyncResponseTransformer.toFile(down)).join();
            assertThat(md5(Files.readAllBytes(down))).isEqualTo(md5(data));
        }
    }
}
