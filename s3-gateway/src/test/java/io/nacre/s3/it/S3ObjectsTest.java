package io.nacre.s3.it;

import static io.nacre.s3.it.NacreS3.random;
import static io.nacre.s3.it.NacreS3.code;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.MetadataService;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.MetadataDirective;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/** Objects through the AWS SDK's sync client against the real core: PUT, GET, HEAD, DELETE, copy, conditions. */
class S3ObjectsTest {

    @TempDir
    static Path dir;
    static NacreS3 nacre;
    static S3Client s3;
    static S3Client whenRequired;

    @BeforeAll
    static void start() {
        nacre = NacreS3.start(dir);
        s3 = nacre.client();
        whenRequired = nacre.whenRequiredClient();
        s3.createBucket(b -> b.bucket("objects"));
    }

    @AfterAll
    static void stop() {
        s3.close();
        whenRequired.close();
        nacre.close();
    }

    static String md5(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(b));
    }



    @Test
    void putThenGetGivesTheBytesTheEtagAndTheStoredHeaders() throws Exception {
        byte[] data = "hello, nacre".getBytes(StandardCharsets.UTF_8);
        for (S3Client c : List.of(s3, whenRequired)) {
            String etag = c.putObject(b -> b.bucket("objects").key("docs/hello.txt").contentType("text/plain")
                    .contentDisposition("attachment").cacheControl("no-cache").contentLanguage("fr")
                    .metadata(Map.of("color", "blue", "Owner", "me")), RequestBody.fromBytes(data)).eTag();
            assertThat(etag).isEqualTo("\"" + md5(data) + "\"");
            ResponseBytes<GetObjectResponse> got = c.getObjectAsBytes(b -> b.bucket("objects").key("docs/hello.txt"));
            assertThat(got.asByteArray()).isEqualTo(data);
            GetObjectResponse r = got.response();
            assertThat(r.eTag()).isEqualTo(etag);
            assertThat(r.contentType()).isEqualTo("text/plain");
            assertThat(r.contentDisposition()).isEqualTo("attachment");
            assertThat(r.cacheControl()).isEqualTo("no-cache");
            assertThat(r.contentLanguage()).isEqualTo("fr");
            assertThat(r.metadata()).containsEntry("color", "blue").containsEntry("owner", "me");
            assertThat(r.contentLength()).isEqualTo(data.length);
            assertThat(r.lastModified()).isBetween(Instant.now().minusSeconds(60), Instant.now().plusSeconds(1));
        }
        HeadObjectResponse h = s3.headObject(b -> b.bucket("objects").key("docs/hello.txt"));
        assertThat(h.contentLength()).isEqualTo(data.length);
        assertThat(h.eTag()).isEqualTo("\"" + md5(data) + "\"");
    }

    @Test
    void emptyAndLargeObjectsRoundTrip() throws Exception {
        s3.putObject(b -> b.bucket("objects").key("empty"), RequestBody.empty());
        assertThat(s3.headObject(b -> b.bucket("objects").key("empty")).eTag())
                .isEqualTo("\"d41d8cd98f00b204e9800998ecf8427e\"");
        assertThat(s3.getObjectAsBytes(b -> b.bucket("objects").key("empty")).asByteArray()).isEmpty();
        byte[] big = random(23 * 1024 * 1024 + 17, 1);
        for (S3Client c : List.of(s3, whenRequired)) {
            c.putObject(b -> b.bucket("objects").key("big.bin"), RequestBody.fromBytes(big));
            byte[] back = c.getObjectAsBytes(b -> b.bucket("objects").key("big.bin")).asByteArray();
            assertThat(back).isEqualTo(big);
        }
        assertThat(s3.headObject(b -> b.bucket("objects").key("big.bin")).eTag()).isEqualTo("\"" + md5(big) + "\"");
    }

    @Test
    void rangesGive206AndUnsatisfiableOnes416() {
        byte[] data = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
        s3.putObject(b -> b.bucket("objects").key("range"), RequestBody.fromBytes(data));
        ResponseBytes<GetObjectResponse> r = s3.getObjectAsBytes(b -> b.bucket("objects").key("range").range("bytes=2-5"));
        assertThat(r.asUtf8String()).isEqualTo("2345");
        assertThat(r.response().contentRange()).isEqualTo("bytes 2-5/16");
        assertThat(s3.getObjectAsBytes(b -> b.bucket("objects").key("range").range("bytes=-3")).asUtf8String())
                .isEqualTo("def");
        assertThat(s3.getObjectAsBytes(b -> b.bucket("objects").key("range").range("bytes=10-")).asUtf8String())
                .isEqualTo("abcdef");
        assertThat(code(() -> s3.getObjectAsBytes(b -> b.bucket("objects").key("range").range("bytes=16-"))))
                .isEqualTo("416 InvalidRange");
    }

    @Test
    void conditionalGetsAndPutsFollowTheirHeaders() throws Exception {
        byte[] data = "v1".getBytes(StandardCharsets.US_ASCII);
        String etag = s3.putObject(b -> b.bucket("objects").key("cond"), RequestBody.fromBytes(data)).eTag();
        assertThat(s3.getObjectAsBytes(b -> b.bucket("objects").key("cond").ifMatch(etag)).asUtf8String()).isEqualTo("v1");
        assertThat(code(() -> s3.getObjectAsBytes(b -> b.bucket("objects").key("cond").ifMatch("\"nope\""))))
                .isEqualTo("412 PreconditionFailed");
        assertThat(code(() -> s3.headObject(b -> b.bucket("objects").key("cond").ifNoneMatch(etag)))).startsWith("304");
        assertThat(code(() -> s3.headObject(b -> b.bucket("objects").key("cond")
                .ifModifiedSince(Instant.now().plusSeconds(3600))))).startsWith("304");
        assertThat(code(() -> s3.getObjectAsBytes(b -> b.bucket("objects").key("cond")
                .ifUnmodifiedSince(Instant.now().minusSeconds(3600))))).isEqualTo("412 PreconditionFailed");
        // Conditional writes: If-None-Match: * only creates; If-Match only replaces that version.
        assertThat(code(() -> s3.putObject(b -> b.bucket("objects").key("cond").ifNoneMatch("*"),
                RequestBody.fromString("v2")))).isEqualTo("412 PreconditionFailed");
        s3.putObject(b -> b.bucket("objects").key("cond-new").ifNoneMatch("*"), RequestBody.fromString("new"));
        assertThat(code(() -> s3.putObject(b -> b.bucket("objects").key("cond").ifMatch("\"other\""),
                RequestBody.fromString("v3")))).isEqualTo("412 PreconditionFailed");
        s3.putObject(b -> b.bucket("objects").key("cond").ifMatch(etag), RequestBody.fromString("v4"));
        assertThat(s3.getObjectAsBytes(b -> b.bucket("objects").key("cond")).asUtf8String()).isEqualTo("v4");
    }

    @Test
    void copyKeepsOrReplacesMetadata() {
        s3.putObject(b -> b.bucket("objects").key("src").contentType("text/x-src").metadata(Map.of("k", "v")),
                RequestBody.fromString("copied bytes"));
        s3.copyObject(b -> b.sourceBucket("objects").sourceKey("src").destinationBucket("objects").destinationKey("dst/copy"));
        GetObjectResponse c = s3.getObject(b -> b.bucket("objects").key("dst/copy"),
                (resp, in) -> resp);
        assertThat(c.contentType()).isEqualTo("text/x-src");
        assertThat(c.metadata()).containsEntry("k", "v");
        assertThat(s3.getObjectAsBytes(b -> b.bucket("objects").key("dst/copy")).asUtf8String()).isEqualTo("copied bytes");
        s3.copyObject(b -> b.sourceBucket("objects").sourceKey("src").destinationBucket("objects").destinationKey("dst/replaced")
                .metadataDirective(MetadataDirective.REPLACE).contentType("text/new").metadata(Map.of("n", "1")));
        HeadObjectResponse r = s3.headObject(b -> b.bucket("objects").key("dst/replaced"));
        assertThat(r.contentType()).isEqualTo("text/new");
        assertThat(r.metadata()).containsOnlyKeys("n");
        assertThat(code(() -> s3.copyObject(b -> b.sourceBucket("objects").sourceKey("src").destinationBucket("objects")
                .destinationKey("src")))).isEqualTo("400 InvalidRequest");
        s3.copyObject(b -> b.sourceBucket("objects").sourceKey("src").destinationBucket("objects").destinationKey("src")
                .metadataDirective(MetadataDirective.REPLACE).contentType("text/self"));
        assertThat(s3.headObject(b -> b.bucket("objects").key("src")).contentType()).isEqualTo("text/self");
        assertThat(code(() -> s3.copyObject(b -> b.sourceBucket("objects").sourceKey("missing")
                .destinationBucket("objects").destinationKey("x")))).isEqualTo("404 NoSuchKey");
    }

    @Test
    void awkwardKeysAreStoredUnderTheirExactNames() {
        for (String key : List.of("a b/c+d", "semi;colon", "per%cent", "ü/ñ/😀", "tilde~", "q?uestion", "x&y=z",
                "dots.../..x", "trailing space ", "#hash")) {
            s3.putObject(b -> b.bucket("objects").key("awkward/" + key), RequestBody.fromString(key));
            assertThat(s3.getObjectAsBytes(b -> b.bucket("objects").key("awkward/" + key)).asUtf8String()).isEqualTo(key);
        }
        List<String> listed = s3.listObjectsV2Paginator(b -> b.bucket("objects").prefix("awkward/")).contents().stream()
                .map(o -> o.key()).toList();
        assertThat(listed).hasSize(10).contains("awkward/ü/ñ/😀", "awkward/semi;colon", "awkward/trailing space ");
    }

    @Test
    void keysThatConflictWithTheNamespaceAreRefusedAndChangeNothing() {
        s3.putObject(b -> b.bucket("objects").key("tree/leaf"), RequestBody.fromString("leaf"));
        assertThat(code(() -> s3.putObject(b -> b.bucket("objects").key("tree"), RequestBody.fromString("x"))))
                .isEqualTo("409 ObjectExistsAsDirectory");
        assertThat(code(() -> s3.putObject(b -> b.bucket("objects").key("tree/leaf/below"), RequestBody.fromString("x"))))
                .isEqualTo("409 ParentIsObject");
        for (String bad : List.of("tree//x", "tree/./x", "tree/../x")) {
            assertThat(code(() -> s3.putObject(b -> b.bucket("objects").key(bad), RequestBody.fromString("x"))))
                    .as(bad).startsWith("400 ");
        }
        assertThat(code(() -> s3.putObject(b -> b.bucket("objects").key("tree/" + "n".repeat(256)),
                RequestBody.fromString("x")))).isEqualTo("400 KeyTooLongError");
        assertThat(s3.getObjectAsBytes(b -> b.bucket("objects").key("tree/leaf")).asUtf8String()).isEqualTo("leaf");
        assertThat(s3.listObjectsV2(b -> b.bucket("objects").prefix("tree")).contents()).extracting(o -> o.key())
                .containsExactly("tree/leaf");
        assertThatThrownBy(() -> s3.getObjectAsBytes(b -> b.bucket("objects").key("tree")))
                .isInstanceOf(NoSuchKeyException.class);
    }

    @Test
    void implicitDirectoriesComeAndGoWithTheirKeysButNfsDirectoriesStay() {
        MetadataService mds = nacre.core.metadata();
        Attr bucket = mds.lookup(Caller.ROOT, Fid.ROOT, "objects");
        s3.putObject(b -> b.bucket("objects").key("imp/a/b/file"), RequestBody.fromString("x"));
        assertThat(mds.resolve(Caller.ROOT, bucket.fid(), "imp/a/b").isDir()).isTrue();
        // Not keys themselves: only the file is listed.
        assertThat(s3.listObjectsV2(b -> b.bucket("objects").prefix("imp")).contents()).extracting(o -> o.key())
                .containsExactly("imp/a/b/file");
        s3.deleteObject(b -> b.bucket("objects").key("imp/a/b/file"));
        assertThatThrownBy(() -> mds.lookup(Caller.ROOT, bucket.fid(), "imp")).isInstanceOf(NacreException.class);

        // A directory made over NFS (here, straight through the MDS) is a key "nfsdir/" and outlives its keys.
        mds.create(Caller.ROOT, bucket.fid(), "nfsdir", CreateSpec.directory(0755));
        s3.putObject(b -> b.bucket("objects").key("nfsdir/file"), RequestBody.fromString("x"));
        s3.deleteObject(b -> b.bucket("objects").key("nfsdir/file"));
        assertThat(mds.lookup(Caller.ROOT, bucket.fid(), "nfsdir").isDir()).isTrue();
        assertThat(s3.listObjectsV2(b -> b.bucket("objects").prefix("nfsdir")).contents()).extracting(o -> o.key())
                .containsExactly("nfsdir/");
        s3.deleteObject(b -> b.bucket("objects").key("nfsdir/"));
        assertThatThrownBy(() -> mds.lookup(Caller.ROOT, bucket.fid(), "nfsdir")).isInstanceOf(NacreException.class);
    }

    @Test
    void aKeyEndingInSlashWithAnEmptyBodyIsADirectory() {
        s3.putObject(b -> b.bucket("objects").key("folder/"), RequestBody.empty());
        assertThat(s3.headObject(b -> b.bucket("objects").key("folder/")).contentLength()).isZero();
        assertThat(s3.listObjectsV2(b -> b.bucket("objects").prefix("folder")).contents()).extracting(o -> o.key())
                .containsExactly("folder/");
        assertThat(code(() -> s3.putObject(b -> b.bucket("objects").key("folder2/"), RequestBody.fromString("data"))))
                .isEqualTo("400 InvalidArgument");
        s3.deleteObject(b -> b.bucket("objects").key("folder/"));
        assertThat(s3.listObjectsV2(b -> b.bucket("objects").prefix("folder")).contents()).isEmpty();
    }

    @Test
    void checksumsAreVerifiedStoredAndReturned() {
        for (ChecksumAlgorithm a : List.of(ChecksumAlgorithm.CRC32, ChecksumAlgorithm.CRC32_C, ChecksumAlgorithm.CRC64_NVME,
                ChecksumAlgorithm.SHA1, ChecksumAlgorithm.SHA256)) {
            String key = "sum/" + a;
            s3.putObject(b -> b.bucket("objects").key(key).checksumAlgorithm(a), RequestBody.fromBytes(random(70_000, 2)));
            HeadObjectResponse h = s3.headObject(b -> b.bucket("objects").key(key).checksumMode(ChecksumMode.ENABLED));
            String sum = switch (a) {
                case CRC32 -> h.checksumCRC32();
                case CRC32_C -> h.checksumCRC32C();
                case CRC64_NVME -> h.checksumCRC64NVME();
                case SHA1 -> h.checksumSHA1();
                default -> h.checksumSHA256();
            };
            assertThat(sum).as(a.toString()).isNotBlank();
            // The SDK validates the checksum of what it reads back.
            s3.getObjectAsBytes(b -> b.bucket("objects").key(key).checksumMode(ChecksumMode.ENABLED));
        }
        assertThat(code(() -> s3.putObject(b -> b.bucket("objects").key("sum/bad").checksumCRC32("AAAAAA=="),
                RequestBody.fromString("not that")))).isEqualTo("400 BadDigest");
        assertThat(code(() -> s3.putObject(b -> b.bucket("objects").key("sum/bad").contentMD5("1B2M2Y8AsgTpgAmY7PhCfg=="),
                RequestBody.fromString("not empty")))).isEqualTo("400 BadDigest");
        assertThatThrownBy(() -> s3.headObject(b -> b.bucket("objects").key("sum/bad"))).isInstanceOf(NoSuchKeyException.class);
    }

    @Test
    void aSmallPutIsVerifiedBeforeAnythingIsStagedAndKeepsItsMetadata() throws Exception {
        Fid staging = io.nacre.s3.fs.Namespace.open(nacre.core.metadata(), nacre.io).stagingDir();
        assertThat(code(() -> s3.putObject(b -> b.bucket("objects").key("small/bad").checksumSHA256(
                "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="), RequestBody.fromString("not empty"))))
                .isEqualTo("400 BadDigest");
        assertThat(nacre.core.metadata().list(Caller.ROOT, staging, "", 10).entries()).isEmpty();

        byte[] data = random(4096, 9);
        s3.putObject(b -> b.bucket("objects").key("small/good").contentType("text/x-small")
                .metadata(Map.of("who", "me")), RequestBody.fromBytes(data));
        ResponseBytes<GetObjectResponse> got = s3.getObjectAsBytes(b -> b.bucket("objects").key("small/good"));
        assertThat(got.asByteArray()).isEqualTo(data);
        assertThat(got.response().eTag()).isEqualTo("\"" + md5(data) + "\"");
        assertThat(got.response().contentType()).isEqualTo("text/x-small");
        assertThat(got.response().metadata()).containsEntry("who", "me");
        assertThat(nacre.core.metadata().list(Caller.ROOT, staging, "", 10).entries()).isEmpty();
    }

    @Test
    void deletingIsIdempotentAndMissingThingsAreNotFound() {
        s3.putObject(b -> b.bucket("objects").key("gone"), RequestBody.fromString("x"));
        s3.deleteObject(b -> b.bucket("objects").key("gone"));
        s3.deleteObject(b -> b.bucket("objects").key("gone"));
        assertThat(code(() -> s3.getObjectAsBytes(b -> b.bucket("objects").key("gone")))).isEqualTo("404 NoSuchKey");
        assertThat(code(() -> s3.getObjectAsBytes(b -> b.bucket("no-such-bucket").key("x")))).isEqualTo("404 NoSuchBucket");
        assertThat(code(() -> s3.getObjectAsBytes(b -> b.bucket("objects").key("x").versionId("v1"))))
                .isEqualTo("404 NoSuchVersion");
    }
}
