package io.nacre.s3.auth;

import static io.nacre.s3.S3Errors.errorOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.RequestHeadersBuilder;
import io.nacre.s3.error.S3Error;
import io.nacre.s3.error.S3Exception;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;

/**
 * SigV4 checked against the examples of AWS's S3 documentation ("Signature Calculations for the
 * Authorization Header", "Query String Authentication") and against the AWS SDK's own signer.
 */
class AuthenticatorTest {

    static final String AKID = "AKIAIOSFODNN7EXAMPLE";
    static final String SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    static final Instant EXAMPLE_TIME = Instant.parse("2013-05-24T00:00:00Z");

    @TempDir
    Path dir;
    KeyStore keys;

    @BeforeEach
    void keys() {
        keys = KeyStore.open(dir, Map.of(KeyStore.ENV_ACCESS_KEY, AKID, KeyStore.ENV_SECRET_KEY, SECRET));
    }

    Authenticator at(Instant now) {
        return new Authenticator(keys, Clock.fixed(now, ZoneOffset.UTC));
    }

    static RequestHeaders headers(HttpMethod m, String path, String... nv) {
        RequestHeadersBuilder b = RequestHeaders.builder(m, path);
        for (int i = 0; i < nv.length; i += 2) {
            b.add(nv[i], nv[i + 1]);
        }
        return b.build();
    }


    @Test
    void awsExampleGetObjectWithRange() {
        RequestHeaders h = headers(HttpMethod.GET, "/test.txt",
                "host", "examplebucket.s3.amazonaws.com",
                "range", "bytes=0-9",
                "x-amz-content-sha256", SigV4.EMPTY_SHA256,
                "x-amz-date", "20130524T000000Z",
                "authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
                        + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
                        + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
        AuthResult r = at(EXAMPLE_TIME).authenticate("GET", "/test.txt", null, h);
        assertThat(r.key().accessKey()).isEqualTo(AKID);
        assertThat(r.key().uid()).isZero();
        assertThat(r.payload()).isEqualTo(PayloadMode.SHA256);
        assertThat(r.payloadSha256()).isEqualTo(SigV4.EMPTY_SHA256);
    }

    @Test
    void awsExamplePutObjectWithDateHeaderAndEscapedPath() {
        RequestHeaders h = headers(HttpMethod.PUT, "/test$file.text",
                "host", "examplebucket.s3.amazonaws.com",
                "date", "Fri, 24 May 2013 00:00:00 GMT",
                "x-amz-date", "20130524T000000Z",
                "x-amz-storage-class", "REDUCED_REDUNDANCY",
                "x-amz-content-sha256", "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072",
                "authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
                        + "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,"
                        + "Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
        AuthResult r = at(EXAMPLE_TIME).authenticate("PUT", "/test%24file.text", null, h);
        assertThat(r.payloadSha256()).isEqualTo(SigV4.sha256Hex("Welcome to Amazon S3.".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void awsExampleGetBucketLifecycleAndListObjects() {
        RequestHeaders h = headers(HttpMethod.GET, "/?lifecycle",
                "host", "examplebucket.s3.amazonaws.com",
                "x-amz-date", "20130524T000000Z",
                "x-amz-content-sha256", SigV4.EMPTY_SHA256,
                "authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
                        + "SignedHeaders=host;x-amz-content-sha256;x-amz-date,"
                        + "Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
        at(EXAMPLE_TIME).authenticate("GET", "/", "lifecycle", h);
        RequestHeaders l = headers(HttpMethod.GET, "/?max-keys=2&prefix=J",
                "host", "examplebucket.s3.amazonaws.com",
                "x-amz-date", "20130524T000000Z",
                "x-amz-content-sha256", SigV4.EMPTY_SHA256,
                "authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
                        + "SignedHeaders=host;x-amz-content-sha256;x-amz-date,"
                        + "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
        at(EXAMPLE_TIME).authenticate("GET", "/", "max-keys=2&prefix=J", l);
        // The same request with its parameters reordered still verifies: the query is canonicalized.
        at(EXAMPLE_TIME).authenticate("GET", "/", "prefix=J&max-keys=2", l);
        // A changed parameter does not.
        assertThat(errorOf(() -> at(EXAMPLE_TIME).authenticate("GET", "/", "max-keys=3&prefix=J", l)))
                .isEqualTo(S3Error.SIGNATURE_DOES_NOT_MATCH);
    }

    static final String PRESIGNED_QUERY = "X-Amz-Algorithm=AWS4-HMAC-SHA256"
            + "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
            + "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
            + "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";

    @Test
    void awsExamplePresignedGetIsValidUntilItExpires() {
        RequestHeaders h = headers(HttpMethod.GET, "/test.txt", "host", "examplebucket.s3.amazonaws.com");
        AuthResult r = at(EXAMPLE_TIME.plusSeconds(3600)).authenticate("GET", "/test.txt", PRESIGNED_QUERY, h);
        assertThat(r.key().accessKey()).isEqualTo(AKID);
        assertThat(r.payload()).isEqualTo(PayloadMode.UNSIGNED);
        at(EXAMPLE_TIME.plusSeconds(86400)).authenticate("GET", "/test.txt", PRESIGNED_QUERY, h);
        assertThatThrownBy(() -> at(EXAMPLE_TIME.plusSeconds(86401)).authenticate("GET", "/test.txt", PRESIGNED_QUERY, h))
                .isInstanceOfSatisfying(S3Exception.class, e -> {
                    assertThat(e.error()).isEqualTo(S3Error.ACCESS_DENIED);
                    assertThat(e.getMessage()).isEqualTo("Request has expired");
                });
        assertThat(errorOf(() -> at(EXAMPLE_TIME.minus(Duration.ofHours(1))).authenticate("GET", "/test.txt",
                PRESIGNED_QUERY, h))).isEqualTo(S3Error.ACCESS_DENIED);
        // Another path, or the signature with one digit changed, fails.
        assertThat(errorOf(() -> at(EXAMPLE_TIME).authenticate("GET", "/test.txX", PRESIGNED_QUERY, h)))
                .isEqualTo(S3Error.SIGNATURE_DOES_NOT_MATCH);
        assertThat(errorOf(() -> at(EXAMPLE_TIME).authenticate("GET", "/test.txt",
                PRESIGNED_QUERY.replace("d404", "d405"), h))).isEqualTo(S3Error.SIGNATURE_DOES_NOT_MATCH);
    }

    @Test
    void presignedExpiryAboveSevenDaysOrBrokenIsRefused() {
        RequestHeaders h = headers(HttpMethod.GET, "/test.txt", "host", "examplebucket.s3.amazonaws.com");
        for (String expires : List.of("604801", "-1", "abc")) {
            String q = PRESIGNED_QUERY.replace("X-Amz-Expires=86400", "X-Amz-Expires=" + expires);
            assertThat(errorOf(() -> at(EXAMPLE_TIME).authenticate("GET", "/test.txt", q, h))).as(expires)
                    .isEqualTo(S3Error.AUTHORIZATION_QUERY_PARAMETERS_ERROR);
        }
        String noAlg = PRESIGNED_QUERY.replace("X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Algorithm=AWS4-HMAC-SHA1");
        assertThat(errorOf(() -> at(EXAMPLE_TIME).authenticate("GET", "/test.txt", noAlg, h)))
                .isEqualTo(S3Error.AUTHORIZATION_QUERY_PARAMETERS_ERROR);
        String noSig = PRESIGNED_QUERY.substring(0, PRESIGNED_QUERY.indexOf("&X-Amz-Signature"));
        assertThat(errorOf(() -> at(EXAMPLE_TIME).authenticate("GET", "/test.txt", noSig, h)))
                .isEqualTo(S3Error.AUTHORIZATION_QUERY_PARAMETERS_ERROR);
    }

    @Test
    void clockSkewBeyondFifteenMinutesIsRefused() {
        RequestHeaders h = headers(HttpMethod.GET, "/test.txt",
                "host", "examplebucket.s3.amazonaws.com",
                "range", "bytes=0-9",
                "x-amz-content-sha256", SigV4.EMPTY_SHA256,
                "x-amz-date", "20130524T000000Z",
                "authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
                        + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
                        + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
        at(EXAMPLE_TIME.plus(Duration.ofMinutes(15))).authenticate("GET", "/test.txt", null, h);
        at(EXAMPLE_TIME.minus(Duration.ofMinutes(15))).authenticate("GET", "/test.txt", null, h);
        assertThat(errorOf(() -> at(EXAMPLE_TIME.plus(Duration.ofMinutes(16))).authenticate("GET", "/test.txt", null, h)))
                .isEqualTo(S3Error.REQUEST_TIME_TOO_SKEWED);
        assertThat(errorOf(() -> at(EXAMPLE_TIME.minus(Duration.ofMinutes(16))).authenticate("GET", "/test.txt", null, h)))
                .isEqualTo(S3Error.REQUEST_TIME_TOO_SKEWED);
    }

    @Test
    void amzDatesParseAsUtcAndMalformedOnesAreRefused() {
        assertThat(Authenticator.parseAmzDate("20130524T000000Z", true)).isEqualTo(EXAMPLE_TIME);
        assertThat(Authenticator.parseAmzDate("20241231T235959Z", false)).isEqualTo(Instant.parse("2024-12-31T23:59:59Z"));
        assertThat(Authenticator.parseAmzDate("20240229T120000Z", true)).isEqualTo(Instant.parse("2024-02-29T12:00:00Z"));
        for (String bad : List.of("", "20130524T000000", "20130524T000000ZZ", "2013-05-24T00:00:00Z", "20130524 000000Z",
                "2013052AT000000Z", "20130524T00000-Z", "20130230T000000Z", "20130524T250000Z", "20131324T000000Z",
                "20130524T006000Z", "+0130524T000000Z")) {
            assertThat(errorOf(() -> Authenticator.parseAmzDate(bad, true))).as(bad).isEqualTo(S3Error.ACCESS_DENIED);
            assertThat(errorOf(() -> Authenticator.parseAmzDate(bad, false))).as(bad)
                    .isEqualTo(S3Error.AUTHORIZATION_QUERY_PARAMETERS_ERROR);
        }
    }

    @Test
    void malformedOrUnknownCredentialsGetTheirOwnErrors() {
        String good = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
                + "SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature=00";
        Map<String, S3Error> cases = Map.of(
                good.replace("AKIAIOSFODNN7EXAMPLE", "NOSUCHKEY"), S3Error.INVALID_ACCESS_KEY_ID,
                good.replace("/s3/", "/ec2/"), S3Error.AUTHORIZATION_HEADER_MALFORMED,
                good.replace("aws4_request", "aws5_request"), S3Error.AUTHORIZATION_HEADER_MALFORMED,
                good.replace("20130524/", "20130525/"), S3Error.AUTHORIZATION_HEADER_MALFORMED,
                good.replace("SignedHeaders=host;", "SignedHeaders="), S3Error.AUTHORIZATION_HEADER_MALFORMED,
                good.replace(",Signature=00", ""), S3Error.AUTHORIZATION_HEADER_MALFORMED,
                "AWS AKIAIOSFODNN7EXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=", S3Error.ACCESS_DENIED, // no Date header
                "Bearer abc", S3Error.INVALID_ARGUMENT,
                good, S3Error.SIGNATURE_DOES_NOT_MATCH);
        cases.forEach((auth, expected) -> {
            RequestHeaders h = headers(HttpMethod.GET, "/x", "host", "h", "x-amz-date", "20130524T000000Z",
                    "x-amz-content-sha256", SigV4.EMPTY_SHA256, "authorization", auth);
            assertThat(errorOf(() -> at(EXAMPLE_TIME).authenticate("GET", "/x", null, h))).as(auth).isEqualTo(expected);
        });
        RequestHeaders noDate = headers(HttpMethod.GET, "/x", "host", "h", "x-amz-content-sha256", SigV4.EMPTY_SHA256,
                "authorization", good);
        assertThat(errorOf(() -> at(EXAMPLE_TIME).authenticate("GET", "/x", null, noDate))).isEqualTo(S3Error.ACCESS_DENIED);
        RequestHeaders noSha = headers(HttpMethod.GET, "/x", "host", "h", "x-amz-date", "20130524T000000Z",
                "authorization", good);
        assertThat(errorOf(() -> at(EXAMPLE_TIME).authenticate("GET", "/x", null, noSha))).isEqualTo(S3Error.INVALID_REQUEST);
        RequestHeaders both = headers(HttpMethod.GET, "/x", "host", "h", "authorization", good);
        assertThat(errorOf(() -> at(EXAMPLE_TIME).authenticate("GET", "/x", PRESIGNED_QUERY, both)))
                .isEqualTo(S3Error.INVALID_ARGUMENT);
    }

    @Test
    void awsExamplesOfSignatureVersion2HeaderAndQueryAuthentication() {
        // S3 docs, "Signing and authenticating REST requests" (Signature Version 2), Example Object GET.
        RequestHeaders h = headers(HttpMethod.GET, "/photos/puppy.jpg",
                "host", "johnsmith.s3.amazonaws.com",
                "date", "Tue, 27 Mar 2007 19:36:42 +0000",
                "authorization", "AWS AKIAIOSFODNN7EXAMPLE:bWq2s1WEIj+Ydj0vQ697zp+IXMU=");
        Instant t = Instant.parse("2007-03-27T19:36:42Z");
        AuthResult r = at(t).authenticate("GET", "/photos/puppy.jpg", null, h, "/johnsmith/photos/puppy.jpg");
        assertThat(r.key().accessKey()).isEqualTo(AKID);
        assertThat(errorOf(() -> at(t).authenticate("GET", "/photos/puppy.jpg", null, h, "/johnsmith/photos/kitten.jpg")))
                .isEqualTo(S3Error.SIGNATURE_DOES_NOT_MATCH);
        // Query string authentication example: valid until Expires.
        String q = "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D&Expires=1175139620";
        RequestHeaders g = headers(HttpMethod.GET, "/photos/puppy.jpg", "host", "johnsmith.s3.amazonaws.com");
        at(Instant.ofEpochSecond(1175139620)).authenticate("GET", "/photos/puppy.jpg", q, g, "/johnsmith/photos/puppy.jpg");
        assertThat(errorOf(() -> at(Instant.ofEpochSecond(1175139621)).authenticate("GET", "/photos/puppy.jpg", q, g,
                "/johnsmith/photos/puppy.jpg"))).isEqualTo(S3Error.ACCESS_DENIED);
    }

    @Test
    void requestsWithoutSignatureAreAnonymous() {
        AuthResult r = at(EXAMPLE_TIME).authenticate("GET", "/b/k", "list-type=2",
                headers(HttpMethod.GET, "/b/k", "host", "h"));
        assertThat(r.anonymous()).isTrue();
        assertThat(errorOf(() -> at(EXAMPLE_TIME).authenticate("PUT", "/b/k", null,
                headers(HttpMethod.PUT, "/b/k", "host", "h", "x-amz-content-sha256", PayloadMode.STREAMING_SIGNED_PAYLOAD))))
                .isEqualTo(S3Error.ACCESS_DENIED);
    }

    /** Paths and queries a key can produce, signed by the AWS SDK's SigV4 signer (S3 flavour). */
    @Test
    void signaturesOfTheAwsSdkSignerVerifyOnAwkwardPathsAndQueries() {
        Instant now = Instant.parse("2026-03-01T12:34:56Z");
        List<String[]> cases = List.of(
                new String[] {"/bucket/plain.txt", ""},
                new String[] {"/bucket/a%20b/c%2Bd/%25/%C3%BC/~x", "versionId=null"},
                new String[] {"/bucket//double//slash", ""},
                new String[] {"/bucket/semi%3Bcolon/./dot/../up", ""},
                new String[] {"/bucket/%E2%82%AC%F0%9F%98%80", "prefix=a%2Fb%20c&delimiter=%2F&list-type=2"},
                new String[] {"/bucket", "uploads&prefix=%21%27%28%29%2A"},
                new String[] {"/bucket/k", "partNumber=3&uploadId=ab%2Bc%2F%3D"},
                new String[] {"/", ""});
        for (String[] c : cases) {
            SdkHttpFullRequest req = SdkHttpFullRequest.builder()
                    .method(SdkHttpMethod.PUT)
                    .uri(URI.create("http://127.0.0.1:9000"))
                    .encodedPath(c[0])
                    .rawQueryParameters(rawParams(c[1]))
                    .putHeader("x-amz-meta-Spaced", "  a   b  ")
                    .putHeader("Content-Type", "text/plain")
                    .build();
            SignedRequest signed = AwsV4HttpSigner.create().sign(r -> r
                    .identity(AwsBasicCredentials.create(AKID, SECRET))
                    .request(req)
                    .payload(null)
                    .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3")
                    .putProperty(AwsV4HttpSigner.REGION_NAME, "eu-central-1")
                    .putProperty(AwsV4FamilyHttpSigner.DOUBLE_URL_ENCODE, false)
                    .putProperty(AwsV4FamilyHttpSigner.NORMALIZE_PATH, false)
                    .putProperty(AwsV4FamilyHttpSigner.PAYLOAD_SIGNING_ENABLED, true)
                    .putProperty(AwsV4HttpSigner.SIGNING_CLOCK, Clock.fixed(now, ZoneOffset.UTC)));
            SdkHttpRequest s = signed.request();
            RequestHeadersBuilder hb = RequestHeaders.builder(HttpMethod.PUT, c[0]);
            s.forEachHeader((name, values) -> values.forEach(v -> hb.add(name.toLowerCase(), v)));
            String rawQuery = s.encodedQueryParameters().orElse("");
            AuthResult r;
            try {
                r = at(now).authenticate("PUT", c[0], rawQuery, hb.build());
            } catch (S3Exception e) {
                throw new AssertionError(c[0] + "?" + rawQuery + " " + hb.build() + " " + e.details(), e);
            }
            assertThat(r.key().accessKey()).as(c[0] + "?" + c[1]).isEqualTo(AKID);
            assertThat(r.payloadSha256()).isEqualTo(SigV4.EMPTY_SHA256);
        }
    }

    private static Map<String, List<String>> rawParams(String q) {
        Map<String, List<String>> m = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, String> e : QueryString.parse(q)) {
            m.computeIfAbsent(e.getKey(), k -> new java.util.ArrayList<>()).add(e.getValue());
        }
        return m;
    }

    @Test
    void canonicalUriKeepsWhatArmeriaWouldNormalize() {
        assertThat(SigV4.canonicalUri("/b//a/./b/../c;d")).isEqualTo("/b//a/./b/../c%3Bd");
        assertThat(SigV4.canonicalUri("/b/a+b%2bc")).isEqualTo("/b/a%2Bb%2Bc");
        assertThat(SigV4.canonicalUri("/b/%7e~")).isEqualTo("/b/~~");
        assertThat(SigV4.canonicalUri("/b/\u00fc")).isEqualTo("/b/%C3%BC");
        assertThat(errorOf(() -> SigV4.canonicalUri("/b/%zz"))).isEqualTo(S3Error.INVALID_URI);
        assertThat(errorOf(() -> SigV4.canonicalUri("/b/%2"))).isEqualTo(S3Error.INVALID_URI);
        assertThat(SigV4.canonicalQuery("b=2&a=1&a=0&c", false)).isEqualTo("a=0&a=1&b=2&c=");
        assertThat(SigV4.canonicalQuery("p=a+b", false)).isEqualTo("p=a%20b");
    }

    @Test
    void headerValuesAreTrimmedAndRunsOfSpacesCollapsed() {
        assertThat(SigV4.trimAll("  a   b  c ")).isEqualTo("a b c");
        assertThat(SigV4.canonicalHeaders(List.of("host", "x-amz-meta-a"),
                n -> n.equals("host") ? List.of("h") : List.of(" 1 ", "2   3"))).isEqualTo("host:h\nx-amz-meta-a:1,2 3\n");
    }

    @Test
    void awsExampleChunkSignaturesChainFromTheSeed() {
        // S3 docs, "Transferring Payload in Multiple Chunks": 64 KiB + 1 KiB of 'a', then the final chunk.
        byte[] key = SigV4.signingKey(SECRET, "20130524", "us-east-1", "s3");
        ChunkSigner cs = new ChunkSigner(key, "20130524T000000Z", SigV4.scope("20130524", "us-east-1"),
                "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9");
        String s1 = cs.chunkSignature(cs.seedSignature(), SigV4.sha256Hex("a".repeat(65536).getBytes(StandardCharsets.US_ASCII)));
        assertThat(s1).isEqualTo("ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648");
        String s2 = cs.chunkSignature(s1, SigV4.sha256Hex("a".repeat(1024).getBytes(StandardCharsets.US_ASCII)));
        assertThat(s2).isEqualTo("0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497");
        String s3 = cs.chunkSignature(s2, SigV4.EMPTY_SHA256);
        assertThat(s3).isEqualTo("b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9");
    }

    @Test
    void awsExampleSeedSignatureOfAChunkedUpload() {
        RequestHeaders h = headers(HttpMethod.PUT, "/examplebucket/chunkObject.txt",
                "host", "s3.amazonaws.com",
                "x-amz-date", "20130524T000000Z",
                "x-amz-storage-class", "REDUCED_REDUNDANCY",
                "x-amz-content-sha256", PayloadMode.STREAMING_SIGNED_PAYLOAD,
                "content-encoding", "aws-chunked",
                "x-amz-decoded-content-length", "66560",
                "content-length", "66824",
                "authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
                        + "SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;"
                        + "x-amz-decoded-content-length;x-amz-storage-class,"
                        + "Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9");
        AuthResult r = at(EXAMPLE_TIME).authenticate("PUT", "/examplebucket/chunkObject.txt", null, h);
        assertThat(r.payload()).isEqualTo(PayloadMode.STREAMING_SIGNED);
        assertThat(r.chunks().seedSignature()).isEqualTo("4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9");
    }
}
