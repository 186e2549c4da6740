package io.nacre.s3.ops;

import static io.nacre.s3.S3Errors.errorOf;
import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.RequestHeadersBuilder;
import io.nacre.s3.error.S3Error;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The pure pieces of request handling: ranges, conditions, copy sources, stored headers, routing. */
class RequestPiecesTest {


    static RequestHeaders headers(String... nv) {
        RequestHeadersBuilder b = RequestHeaders.builder(HttpMethod.GET, "/b/k");
        for (int i = 0; i < nv.length; i += 2) {
            b.add(nv[i], nv[i + 1]);
        }
        return b.build();
    }

    @Test
    void rangesFollowRfc9110AsS3Does() {
        assertThat(ByteRange.parse("bytes=0-9", 100)).isEqualTo(new ByteRange(0, 9));
        assertThat(ByteRange.parse("bytes=90-200", 100)).isEqualTo(new ByteRange(90, 99));
        assertThat(ByteRange.parse("bytes=10-", 100)).isEqualTo(new ByteRange(10, 99));
        assertThat(ByteRange.parse("bytes=-10", 100)).isEqualTo(new ByteRange(90, 99));
        assertThat(ByteRange.parse("bytes=-1000", 100)).isEqualTo(new ByteRange(0, 99));
        assertThat(ByteRange.parse("bytes=0-0", 1).length()).isEqualTo(1);
        // Ignored: not bytes, several ranges, reversed, garbage.
        for (String ignored : new String[] {null, "items=0-1", "bytes=0-1,5-6", "bytes=9-2", "bytes=a-b", "bytes=-", "bytes=5"}) {
            assertThat(ByteRange.parse(ignored, 100)).as(ignored).isNull();
        }
        assertThat(errorOf(() -> ByteRange.parse("bytes=100-", 100))).isEqualTo(S3Error.INVALID_RANGE);
        assertThat(errorOf(() -> ByteRange.parse("bytes=0-", 0))).isEqualTo(S3Error.INVALID_RANGE);
        assertThat(errorOf(() -> ByteRange.parse("bytes=-0", 100))).isEqualTo(S3Error.INVALID_RANGE);
    }

    static final String ETAG = "5eb63bbbe01eeed093cb22bb8f5acdc3";
    static final long MTIME = 1_700_000_000L * 1_000_000_000L; // Tue, 14 Nov 2023 22:13:20 GMT

    @Test
    void readConditionsGiveProceedNotModifiedOrPreconditionFailed() {
        assertThat(Conditions.forRead(headers(), ETAG, MTIME)).isEqualTo(Conditions.Outcome.PROCEED);
        assertThat(Conditions.forRead(headers("if-match", "\"" + ETAG + "\""), ETAG, MTIME)).isEqualTo(Conditions.Outcome.PROCEED);
        assertThat(Conditions.forRead(headers("if-match", "\"x\", \"" + ETAG + "\""), ETAG, MTIME))
                .isEqualTo(Conditions.Outcome.PROCEED);
        assertThat(Conditions.forRead(headers("if-match", "*"), ETAG, MTIME)).isEqualTo(Conditions.Outcome.PROCEED);
        assertThat(errorOf(() -> Conditions.forRead(headers("if-match", "\"other\""), ETAG, MTIME)))
                .isEqualTo(S3Error.PRECONDITION_FAILED);
        assertThat(Conditions.forRead(headers("if-none-match", "\"" + ETAG + "\""), ETAG, MTIME))
                .isEqualTo(Conditions.Outcome.NOT_MODIFIED);
        assertThat(Conditions.forRead(headers("if-none-match", "W/\"" + ETAG + "\""), ETAG, MTIME))
                .isEqualTo(Conditions.Outcome.NOT_MODIFIED);
        assertThat(Conditions.forRead(headers("if-modified-since", "Tue, 14 Nov 2023 22:13:20 GMT"), ETAG, MTIME))
                .isEqualTo(Conditions.Outcome.NOT_MODIFIED);
        assertThat(Conditions.forRead(headers("if-modified-since", "Tue, 14 Nov 2023 22:13:19 GMT"), ETAG, MTIME))
                .isEqualTo(Conditions.Outcome.PROCEED);
        assertThat(errorOf(() -> Conditions.forRead(headers("if-unmodified-since", "Tue, 14 Nov 2023 22:13:19 GMT"),
                ETAG, MTIME))).isEqualTo(S3Error.PRECONDITION_FAILED);
        // If-Match true wins over If-Unmodified-Since false; If-None-Match false over If-Modified-Since.
        assertThat(Conditions.forRead(headers("if-match", ETAG, "if-unmodified-since", "Tue, 14 Nov 2023 22:13:19 GMT"),
                ETAG, MTIME)).isEqualTo(Conditions.Outcome.PROCEED);
        assertThat(Conditions.forRead(headers("if-none-match", "\"other\"", "if-modified-since",
                "Tue, 14 Nov 2023 22:13:20 GMT"), ETAG, MTIME)).isEqualTo(Conditions.Outcome.PROCEED);
        // A date that does not parse is ignored.
        assertThat(Conditions.forRead(headers("if-modified-since", "yesterday"), ETAG, MTIME))
                .isEqualTo(Conditions.Outcome.PROCEED);
    }

    @Test
    void copySourceConditionsAllFailWith412() {
        assertThat(errorOf(() -> Conditions.forCopySource(headers("x-amz-copy-source-if-none-match", ETAG), ETAG, MTIME)))
                .isEqualTo(S3Error.PRECONDITION_FAILED);
        assertThat(errorOf(() -> Conditions.forCopySource(headers("x-amz-copy-source-if-modified-since",
                "Tue, 14 Nov 2023 22:13:20 GMT"), ETAG, MTIME))).isEqualTo(S3Error.PRECONDITION_FAILED);
        Conditions.forCopySource(headers("x-amz-copy-source-if-match", ETAG), ETAG, MTIME);
    }

    @Test
    void copySourcesAreDecoded() {
        CopySource s = CopySource.parse("/src-bucket/a%20b/c%2Bd+e.txt?versionId=null");
        assertThat(s.bucket()).isEqualTo("src-bucket");
        assertThat(s.key().key()).isEqualTo("a b/c+d+e.txt");
        assertThat(s.versionId()).isEqualTo("null");
        assertThat(CopySource.parse("b/k").key().key()).isEqualTo("k");
        assertThat(errorOf(() -> CopySource.parse("justbucket"))).isEqualTo(S3Error.INVALID_ARGUMENT);
        assertThat(errorOf(() -> CopySource.parse("/b/"))).isEqualTo(S3Error.INVALID_ARGUMENT);
        assertThat(errorOf(() -> CopySource.parse("/b/a//c"))).isEqualTo(S3Error.INVALID_ARGUMENT);
    }

    @Test
    void storedHeadersKeepContentHeadersAndUserMetadataButNotAwsChunked() {
        RequestHeaders h = headers("content-type", "text/plain", "content-encoding", "aws-chunked,gzip",
                "x-amz-meta-Color", "blue", "cache-control", "no-cache", "x-amz-date", "x", "authorization", "y");
        assertThat(ObjectHeaders.fromRequest(h)).containsExactly(
                java.util.Map.entry("content-type", "text/plain"),
                java.util.Map.entry("content-encoding", "gzip"),
                java.util.Map.entry("cache-control", "no-cache"),
                java.util.Map.entry("x-amz-meta-color", "blue"));
        assertThat(ObjectHeaders.fromRequest(headers("content-encoding", "aws-chunked"))).isEmpty();
        assertThat(errorOf(() -> ObjectHeaders.fromRequest(headers("x-amz-meta-big", "v".repeat(2100)))))
                .isEqualTo(S3Error.METADATA_TOO_LARGE);
    }

    @Test
    void theDispatchTablePicksOperationsBySubresource() {
        assertThat(route(HttpMethod.GET, Operations.Level.SERVICE)).isEqualTo("ListBuckets");
        assertThat(route(HttpMethod.GET, Operations.Level.BUCKET)).isEqualTo("ListObjects");
        assertThat(route(HttpMethod.GET, Operations.Level.BUCKET, "list-type")).isEqualTo("ListObjectsV2");
        assertThat(route(HttpMethod.GET, Operations.Level.BUCKET, "uploads", "prefix")).isEqualTo("ListMultipartUploads");
        assertThat(route(HttpMethod.GET, Operations.Level.BUCKET, "location")).isEqualTo("GetBucketLocation");
        assertThat(route(HttpMethod.GET, Operations.Level.BUCKET, "versions")).isEqualTo("ListObjectVersions");
        assertThat(route(HttpMethod.PUT, Operations.Level.BUCKET)).isEqualTo("CreateBucket");
        assertThat(route(HttpMethod.POST, Operations.Level.BUCKET, "delete")).isEqualTo("DeleteObjects");
        assertThat(route(HttpMethod.PUT, Operations.Level.OBJECT)).isEqualTo("PutObject");
        assertThat(Operations.resolve(HttpMethod.PUT, Operations.Level.OBJECT, p -> false, true).name()).isEqualTo("CopyObject");
        assertThat(route(HttpMethod.PUT, Operations.Level.OBJECT, "partNumber", "uploadId")).isEqualTo("UploadPart");
        assertThat(Operations.resolve(HttpMethod.PUT, Operations.Level.OBJECT, Set.of("partNumber", "uploadId")::contains,
                true).name()).isEqualTo("UploadPartCopy");
        assertThat(route(HttpMethod.POST, Operations.Level.OBJECT, "uploads")).isEqualTo("CreateMultipartUpload");
        assertThat(route(HttpMethod.POST, Operations.Level.OBJECT, "uploadId")).isEqualTo("CompleteMultipartUpload");
        assertThat(route(HttpMethod.DELETE, Operations.Level.OBJECT, "uploadId")).isEqualTo("AbortMultipartUpload");
        assertThat(route(HttpMethod.GET, Operations.Level.OBJECT, "uploadId")).isEqualTo("ListParts");
        assertThat(route(HttpMethod.GET, Operations.Level.BUCKET, "policy")).isEqualTo("GET ?policy");
        assertThat(errorOf(() -> route(HttpMethod.POST, Operations.Level.BUCKET))).isEqualTo(S3Error.METHOD_NOT_ALLOWED);
        assertThat(errorOf(() -> route(HttpMethod.DELETE, Operations.Level.SERVICE))).isEqualTo(S3Error.METHOD_NOT_ALLOWED);
    }

    static String route(HttpMethod m, Operations.Level level, String... params) {
        return Operations.resolve(m, level, Set.of(params)::contains, false).name();
    }

    @Test
    void timesAreFormattedAsS3Does() {
        assertThat(Responses.iso(MTIME + 123_456_789)).isEqualTo("2023-11-14T22:13:20.123Z");
        assertThat(Responses.httpDate(MTIME)).isEqualTo("Tue, 14 Nov 2023 22:13:20 GMT");
        assertThat(Responses.httpDate(0)).isEqualTo("Thu, 01 Jan 1970 00:00:00 GMT");
    }

    @Test
    void continuationTokensRoundTripAndBadOnesAreRefused() {
        for (var s : new io.nacre.s3.keys.S3OrderWalker.Start[] {
                new io.nacre.s3.keys.S3OrderWalker.Start("a/b c/é", io.nacre.s3.keys.S3OrderWalker.Mode.AFTER),
                new io.nacre.s3.keys.S3OrderWalker.Start("dir/", io.nacre.s3.keys.S3OrderWalker.Mode.PAST_PREFIX)}) {
            assertThat(Listings.decodeToken(Listings.encodeToken(s))).isEqualTo(s);
        }
        assertThat(errorOf(() -> Listings.decodeToken("!!!"))).isEqualTo(S3Error.INVALID_ARGUMENT);
        assertThat(errorOf(() -> Listings.decodeToken("WGFiYw"))).isEqualTo(S3Error.INVALID_ARGUMENT);
    }
}
