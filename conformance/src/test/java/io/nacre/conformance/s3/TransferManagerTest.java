package io.nacre.conformance.s3;

import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.s3.auth.KeyStore;
import io.nacre.s3.it.NacreS3;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.transfer.s3.S3TransferManager;

/** S3TransferManager (on the CRT client) uploading and downloading 1 GiB. */
@Tag("heavy")
class TransferManagerTest {

    @TempDir
    Path dir;

    static String md5(Path p) throws Exception {
        MessageDigest m = MessageDigest.getInstance("MD5");
        try (InputStream in = new DigestInputStream(Files.newInputStream(p), m)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(m.digest());
    }

    @Test
    void aGibibyteGoesUpAndComesBackIdentical() throws Exception {
        Path up = S3Workload.dataFile(dir, 1L << 30);
        try (NacreS3 nacre = NacreS3.start(dir.resolve("nacre"))) {
            KeyStore.Key root = nacre.keys.root();
            try (var s3 = nacre.client()) {
                s3.createBucket(b -> b.bucket("transfers"));
            }
            try (S3AsyncClient crt = S3AsyncClient.crtBuilder().endpointOverride(URI.create(nacre.endpoint()))
                    .region(Region.US_EAST_1).forcePathStyle(true)
                    .credentialsProvider(StaticCredentialsProvider.create(
                            AwsBasicCredentials.create(root.accessKey(), root.secretKey())))
                    .targetThroughputInGbps(2.0).minimumPartSizeInBytes(16L << 20).build();
                 S3TransferManager tm = S3TransferManager.builder().s3Client(crt).build()) {
                tm.uploadFile(u -> u.putObjectRequest(p -> p.bucket("transfers").key("gib.bin")).source(up)).completionFuture().join();
                Path down = dir.resolve("down.bin");
                tm.downloadFile(d -> d.getObjectRequest(g -> g.bucket("transfers").key("gib.bin")).destination(down))
                        .completionFuture().join();
                assertThat(Files.size(down)).isEqualTo(1L << 30);
                assertThat(md5(down)).isEqualTo(md5(up));
            }
        }
    }
}
