package io.nacre.s3.it;

import static io.nacre.s3.it.NacreS3.random;
import static io.nacre.s3.it.NacreS3.code;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.ChecksumType;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

/** Multipart uploads through the SDK against the real core. */
class S3MultipartTest {

    static final int MIB = 1 << 20;

    @TempDir
    static Path dir;
    static NacreS3 nacre;
    static S3Client s3;

    @BeforeAll
    static void start() {
        nacre = NacreS3.start(dir, b -> b.uploadExpiry(Duration.ofDays(1)));
        s3 = nacre.client();
        s3.createBucket(b -> b.bucket("mpu"));
    }

    @AfterAll
    static void stop() {
        s3.close();
        nacre.close();
    }



    /** Uploads parts of the given sizes; returns the completed parts list and the whole data. */
    record Uploaded(String uploadId, List<CompletedPart> parts, byte[] data, List<byte[]> partMd5s) {
    }

    static Uploaded upload(String key, int[] sizes, ChecksumAlgorithm alg) throws Exception {
        String id = s3.createMultipartUpload(b -> b.bucket("mpu").key(key).contentType("application/x-test")
                .checksumAlgorithm(alg)).uploadId();
        int total = 0;
        for (int s : sizes) {
            total += s;
        }
        byte[] all = random(total, key.hashCode());
        List<CompletedPart> parts = new ArrayList<>();
        List<byte[]> md5s = new ArrayList<>();
        int off = 0;
        for (int i = 0; i < sizes.length; i++) {
            byte[] part = java.util.Arrays.copyOfRange(all, off, off + sizes[i]);
            off += sizes[i];
            int n = i + 1;
            UploadPartResponse r = s3.uploadPart(b -> b.bucket("mpu").key(key).uploadId(id).partNumber(n)
                    .checksumAlgorithm(alg), RequestBody.fromBytes(part));
            md5s.add(MessageDigest.getInstance("MD5").digest(part));
            parts.add(CompletedPart.builder().partNumber(n).eTag(r.eTag()).checksumCRC32(r.checksumCRC32())
                    .checksumCRC32C(r.checksumCRC32C()).checksumSHA256(r.checksumSHA256())
                    .checksumCRC64NVME(r.checksumCRC64NVME()).checksumSHA1(r.checksumSHA1()).build());
        }
        return new Uploaded(id, parts, all, md5s);
    }

    static String expectedEtag(List<byte[]> md5s) throws Exception {
        MessageDigest m = MessageDigest.getInstance("MD5");
        md5s.forEach(m::update);
        return "\"" + HexFormat.of().formatHex(m.digest()) + "-" + md5s.size() + "\"";
    }

    @Test
    void completedUploadsAreWholeObjectsWithMd5OfMd5sEtags() throws Exception {
        Uploaded u = upload("big/object.bin", new int[] {5 * MIB, 8 * MIB, 3 * MIB + 7}, null);
        // Nothing visible before completion.
        assertThat(s3.listObjectsV2(b -> b.bucket("mpu").prefix("big/")).contents()).isEmpty();
        assertThat(s3.listParts(b -> b.bucket("mpu").key("big/object.bin").uploadId(u.uploadId())).parts())
                .extracting(p -> p.partNumber()).containsExactly(1, 2, 3);
        assertThat(s3.listMultipartUploads(b -> b.bucket("mpu")).uploads()).extracting(x -> x.uploadId())
                .contains(u.uploadId());
        CompleteMultipartUploadResponse done = s3.completeMultipartUpload(b -> b.bucket("mpu").key("big/object.bin")
                .uploadId(u.uploadId()).multipartUpload(m -> m.parts(u.parts())));
        assertThat(done.eTag()).isEqualTo(expectedEtag(u.partMd5s()));
        assertThat(s3.getObjectAsBytes(b -> b.bucket("mpu").key("big/object.bin")).asByteArray()).isEqualTo(u.data());
        // The parts' objects became the object's: one layout component per part, no data copied.
        var mds = nacre.core.metadata();
        var bucket = mds.lookup(io.nacre.engine.Caller.ROOT, io.nacre.engine.Fid.ROOT, "mpu").fid();
        var file = mds.resolve(io.nacre.engine.Caller.ROOT, bucket, "big/object.bin");
        assertThat(mds.layout(file.fid()).components()).hasSize(3);
        assertThat(s3.headObject(b -> b.bucket("mpu").key("big/object.bin")).contentType()).isEqualTo("application/x-test");
        // Parts can be fetched one by one, as multipart downloads do.
        byte[] second = s3.getObjectAsBytes(b -> b.bucket("mpu").key("big/object.bin").partNumber(2)).asByteArray();
        assertThat(second).isEqualTo(java.util.Arrays.copyOfRange(u.data(), 5 * MIB, 13 * MIB));
        assertThat(code(() -> s3.listParts(b -> b.bucket("mpu").key("big/object.bin").uploadId(u.uploadId()))))
                .isEqualTo("404 NoSuchUpload");
        assertThat(s3.listMultipartUploads(b -> b.bucket("mpu")).uploads()).extracting(x -> x.uploadId())
                .doesNotContain(u.uploadId());
    }

    @Test
    void partChecksumsGiveCompositeOrFullObjectChecksums() throws Exception {
        Uploaded comp = upload("sum/composite", new int[] {5 * MIB, 1000}, ChecksumAlgorithm.SHA256);
        CompleteMultipartUploadResponse c = s3.completeMultipartUpload(b -> b.bucket("mpu").key("sum/composite")
                .uploadId(comp.uploadId()).multipartUpload(m -> m.parts(comp.parts())));
        assertThat(c.checksumSHA256()).endsWith("-2");
        assertThat(c.checksumType()).isEqualTo(ChecksumType.COMPOSITE);

        String id = s3.createMultipartUpload(b -> b.bucket("mpu").key("sum/full")
                .checksumAlgorithm(ChecksumAlgorithm.CRC64_NVME).checksumType(ChecksumType.FULL_OBJECT)).uploadId();
        byte[] p1 = random(5 * MIB, 11);
        byte[] p2 = random(12345, 12);
        String e1 = s3.uploadPart(b -> b.bucket("mpu").key("sum/full").uploadId(id).partNumber(1)
                .checksumAlgorithm(ChecksumAlgorithm.CRC64_NVME), RequestBody.fromBytes(p1)).eTag();
        String e2 = s3.uploadPart(b -> b.bucket("mpu").key("sum/full").uploadId(id).partNumber(2)
                .checksumAlgorithm(ChecksumAlgorithm.CRC64_NVME), RequestBody.fromBytes(p2)).eTag();
        CompleteMultipartUploadResponse f = s3.completeMultipartUpload(b -> b.bucket("mpu").key("sum/full").uploadId(id)
                .multipartUpload(m -> m.parts(CompletedPart.builder().partNumber(1).eTag(e1).build(),
                        CompletedPart.builder().partNumber(2).eTag(e2).build())));
        assertThat(f.checksumType()).isEqualTo(ChecksumType.FULL_OBJECT);
        // The full-object CRC equals that of a single PUT of the same bytes.
        byte[] whole = new byte[p1.length + p2.length];
        System.arraycopy(p1, 0, whole, 0, p1.length);
        System.arraycopy(p2, 0, whole, p1.length, p2.length);
        s3.putObject(b -> b.bucket("mpu").key("sum/single").checksumAlgorithm(ChecksumAlgorithm.CRC64_NVME),
                RequestBody.fromBytes(whole));
        assertThat(f.checksumCRC64NVME()).isEqualTo(s3.headObject(b -> b.bucket("mpu").key("sum/single")
                .checksumMode(ChecksumMode.ENABLED)).checksumCRC64NVME());
        s3.getObjectAsBytes(b -> b.bucket("mpu").key("sum/full").checksumMode(ChecksumMode.ENABLED));
    }

    @Test
    void badCompletionsAreRefusedAndTheUploadStays() throws Exception {
        Uploaded u = upload("bad/one", new int[] {1 * MIB, 1 * MIB}, null);
        assertThat(code(() -> s3.completeMultipartUpload(b -> b.bucket("mpu").key("bad/one").uploadId(u.uploadId())
                .multipartUpload(m -> m.parts(u.parts()))))).isEqualTo("400 EntityTooSmall");
        assertThat(code(() -> s3.completeMultipartUpload(b -> b.bucket("mpu").key("bad/one").uploadId(u.uploadId())
                .multipartUpload(m -> m.parts(u.parts().get(1), u.parts().get(0)))))).isEqualTo("400 InvalidPartOrder");
        assertThat(code(() -> s3.completeMultipartUpload(b -> b.bucket("mpu").key("bad/one").uploadId(u.uploadId())
                .multipartUpload(m -> m.parts(CompletedPart.builder().partNumber(1).eTag("\"0123\"").build())))))
                .isEqualTo("400 InvalidPart");
        assertThat(code(() -> s3.completeMultipartUpload(b -> b.bucket("mpu").key("bad/one").uploadId(u.uploadId())
                .multipartUpload(m -> m.parts(CompletedPart.builder().partNumber(7).eTag(u.parts().get(0).eTag())
                        .build()))))).isEqualTo("400 InvalidPart");
        assertThat(code(() -> s3.uploadPart(b -> b.bucket("mpu").key("bad/one").uploadId(u.uploadId()).partNumber(10001),
                RequestBody.fromString("x")))).isEqualTo("400 InvalidArgument");
        assertThat(code(() -> s3.uploadPart(b -> b.bucket("mpu").key("bad/one").uploadId("f".repeat(32)).partNumber(1),
                RequestBody.fromString("x")))).isEqualTo("404 NoSuchUpload");
        assertThat(code(() -> s3.uploadPart(b -> b.bucket("mpu").key("other-key").uploadId(u.uploadId()).partNumber(1),
                RequestBody.fromString("x")))).isEqualTo("404 NoSuchUpload");
        // The upload is still there, whole: a single last part may be small.
        CompleteMultipartUploadResponse ok = s3.completeMultipartUpload(b -> b.bucket("mpu").key("bad/one")
                .uploadId(u.uploadId()).multipartUpload(m -> m.parts(u.parts().get(0))));
        assertThat(ok.eTag()).endsWith("-1\"");
        assertThat(s3.getObjectAsBytes(b -> b.bucket("mpu").key("bad/one")).asByteArray())
                .isEqualTo(java.util.Arrays.copyOf(u.data(), MIB));
    }

    @Test
    void partsOfSizesLayoutsCannotFollowAreCopiedInstead() throws Exception {
        Uploaded u = upload("odd/sizes", new int[] {5 * MIB + 1, 5 * MIB + 3, 17}, null);
        CompleteMultipartUploadResponse done = s3.completeMultipartUpload(b -> b.bucket("mpu").key("odd/sizes")
                .uploadId(u.uploadId()).multipartUpload(m -> m.parts(u.parts())));
        assertThat(done.eTag()).isEqualTo(expectedEtag(u.partMd5s()));
        assertThat(s3.getObjectAsBytes(b -> b.bucket("mpu").key("odd/sizes")).asByteArray()).isEqualTo(u.data());
    }

    @Test
    void abortedAndAbandonedUploadsLeaveNothing() throws Exception {
        Uploaded u = upload("abort/me", new int[] {MIB}, null);
        s3.abortMultipartUpload(b -> b.bucket("mpu").key("abort/me").uploadId(u.uploadId()));
        assertThat(code(() -> s3.listParts(b -> b.bucket("mpu").key("abort/me").uploadId(u.uploadId()))))
                .isEqualTo("404 NoSuchUpload");
        assertThat(code(() -> s3.abortMultipartUpload(b -> b.bucket("mpu").key("abort/me").uploadId(u.uploadId()))))
                .isEqualTo("404 NoSuchUpload");

        try (NacreS3 quick = NacreS3.start(dir.resolve("quick"), b -> b.uploadExpiry(Duration.ZERO));
             S3Client c = quick.client()) {
            c.createBucket(b -> b.bucket("quick"));
            String id = c.createMultipartUpload(b -> b.bucket("quick").key("left")).uploadId();
            c.uploadPart(b -> b.bucket("quick").key("left").uploadId(id).partNumber(1), RequestBody.fromString("data"));
            quick.server.clean();
            assertThat(c.listMultipartUploads(b -> b.bucket("quick")).uploads()).isEmpty();
        }
    }

    @Test
    void partsCanBeCopiedFromObjects() throws Exception {
        byte[] src = random(6 * MIB, 5);
        s3.putObject(b -> b.bucket("mpu").key("copy/src"), RequestBody.fromBytes(src));
        String id = s3.createMultipartUpload(b -> b.bucket("mpu").key("copy/dst")).uploadId();
        String e1 = s3.uploadPartCopy(b -> b.sourceBucket("mpu").sourceKey("copy/src").destinationBucket("mpu")
                .destinationKey("copy/dst").uploadId(id).partNumber(1)).copyPartResult().eTag();
        String e2 = s3.uploadPartCopy(b -> b.sourceBucket("mpu").sourceKey("copy/src").destinationBucket("mpu")
                .destinationKey("copy/dst").uploadId(id).partNumber(2).copySourceRange("bytes=0-99")).copyPartResult().eTag();
        s3.completeMultipartUpload(b -> b.bucket("mpu").key("copy/dst").uploadId(id).multipartUpload(m -> m.parts(
                CompletedPart.builder().partNumber(1).eTag(e1).build(), CompletedPart.builder().partNumber(2).eTag(e2).build())));
        byte[] got = s3.getObjectAsBytes(b -> b.bucket("mpu").key("copy/dst")).asByteArray();
        assertThat(got.length).isEqualTo(src.length + 100);
        assertThat(java.util.Arrays.copyOfRange(got, src.length, got.length)).isEqualTo(java.util.Arrays.copyOf(src, 100));
    }
}
