package io.nacre.s3.body;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.RequestHeadersBuilder;
import io.nacre.s3.auth.AuthResult;
import io.nacre.s3.auth.Authenticator;
import io.nacre.s3.auth.ChunkSigner;
import io.nacre.s3.auth.KeyStore;
import io.nacre.s3.auth.PayloadMode;
import io.nacre.s3.auth.SigV4;
import io.nacre.s3.checksum.ChecksumAlgorithm;
import io.nacre.s3.checksum.Hasher;
import io.nacre.s3.error.S3Error;
import io.nacre.s3.error.S3Exception;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.checksums.DefaultChecksumAlgorithm;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;

class PayloadVerifierTest {

    static final String AKID = "AKIAIOSFODNN7EXAMPLE";
    static final String SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

    @TempDir
    Path dir;
    Authenticator auth;

    @BeforeEach
    void setUp() {
        KeyStore keys = KeyStore.open(dir, Map.of(KeyStore.ENV_ACCESS_KEY, AKID, KeyStore.ENV_SECRET_KEY, SECRET));
        auth = new Authenticator(keys, Clock.fixed(NOW, ZoneOffset.UTC));
    }

    static S3Error errorOf(ThrowingRunnable r) {
        try {
            r.run();
        } catch (S3Exception e) {
            return e.error();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new AssertionError("no S3 error");
    }

    interface ThrowingRunnable {
        void run() throws IOException;
    }

    /** Reads the body in odd-sized pieces, as a network would deliver it. */
    static byte[] readAll(PayloadVerifier v) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] b = new byte[7919];
        int n;
        while ((n = v.read(b, 0, b.length)) >= 0) {
            out.write(b, 0, n);
        }
        return out.toByteArray();
    }

    /** Signs a PUT the way the AWS SDK does, returning its headers and its (possibly aws-chunked) body. */
    record Signed(RequestHeaders headers, byte[] body) {
    }

    static Signed sdkSign(byte[] data, boolean chunked, boolean signPayload, software.amazon.awssdk.checksums.spi.ChecksumAlgorithm trailer) {
        SdkHttpFullRequest.Builder rb = SdkHttpFullRequest.builder()
                .method(SdkHttpMethod.PUT)
                .uri(URI.create((signPayload ? "http" : "https") + "://127.0.0.1:9000"))
                .encodedPath("/bucket/key")
                .putHeader("Content-Length", Integer.toString(data.length));
        SignedRequest s = AwsV4HttpSigner.create().sign(r -> {
            r.identity(AwsBasicCredentials.create(AKID, SECRET))
                    .request(rb.build())
                    .payload(ContentStreamProvider.fromByteArray(data))
                    .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3")
                    .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                    .putProperty(AwsV4FamilyHttpSigner.DOUBLE_URL_ENCODE, false)
                    .putProperty(AwsV4FamilyHttpSigner.NORMALIZE_PATH, false)
                    .putProperty(AwsV4FamilyHttpSigner.PAYLOAD_SIGNING_ENABLED, signPayload)
                    .putProperty(AwsV4FamilyHttpSigner.CHUNK_ENCODING_ENABLED, chunked)
                    .putProperty(AwsV4HttpSigner.SIGNING_CLOCK, Clock.fixed(NOW, ZoneOffset.UTC));
            if (trailer != null) {
                r.putProperty(AwsV4FamilyHttpSigner.CHECKSUM_ALGORITHM, trailer);
            }
        });
        RequestHeadersBuilder hb = RequestHeaders.builder(HttpMethod.PUT, "/bucket/key");
        s.request().forEachHeader((name, values) -> values.forEach(v -> hb.add(name.toLowerCase(), v)));
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        try (InputStream in = s.payload().orElseThrow().newStream()) {
            in.transferTo(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Signed(hb.build(), body.toByteArray());
    }

    PayloadVerifier verifier(Signed s, byte[] body) {
        AuthResult a = auth.authenticate("PUT", "/bucket/key", null, s.headers());
        return new PayloadVerifier(new ByteArrayInputStream(body), PayloadSpec.from(s.headers(), a, null));
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static byte[] md5(byte[] b) {
        Hasher h = Hasher.md5();
        h.update(b, 0, b.length);
        return h.finish();
    }

    @Test
    void sdkSignedStreamingBodiesDecodeToTheData() throws IOException {
        for (int size : new int[] {0, 1, 8191, 65536, 200_001}) {
            byte[] data = random(size, size);
            Signed s = sdkSign(data, true, true, null);
            assertThat(s.headers().get("x-amz-content-sha256")).isEqualTo(PayloadMode.STREAMING_SIGNED_PAYLOAD);
            PayloadVerifier v = verifier(s, s.body());
            assertThat(readAll(v)).isEqualTo(data);
            PayloadVerifier.Digests d = v.finish();
            assertThat(d.length()).isEqualTo(size);
            assertThat(d.md5()).isEqualTo(md5(data));
        }
    }

    @Test
    void sdkSignedStreamingBodiesWithTrailingChecksumsVerify() throws IOException {
        for (software.amazon.awssdk.checksums.spi.ChecksumAlgorithm alg : new software.amazon.awssdk.checksums.spi.ChecksumAlgorithm[] {DefaultChecksumAlgorithm.CRC32,
                DefaultChecksumAlgorithm.CRC32C, DefaultChecksumAlgorithm.SHA1, DefaultChecksumAlgorithm.SHA256}) {
            byte[] data = random(150_000, alg.hashCode());
            Signed s = sdkSign(data, true, true, alg);
            assertThat(s.headers().get("x-amz-content-sha256")).isEqualTo(PayloadMode.STREAMING_SIGNED_PAYLOAD_TRAILER);
            PayloadVerifier v = verifier(s, s.body());
            assertThat(readAll(v)).isEqualTo(data);
            PayloadVerifier.Digests d = v.finish();
            ChecksumAlgorithm ours = ChecksumAlgorithm.fromWireName(alg.algorithmId()).orElseThrow();
            assertThat(d.algorithm()).isEqualTo(ours);
            Hasher h = ours.newHasher();
            h.update(data, 0, data.length);
            assertThat(d.checksum()).isEqualTo(h.finish());
        }
    }

    @Test
    void sdkUnsignedStreamingBodiesWithTrailersVerify() throws IOException {
        byte[] data = random(100_000, 3);
        Signed s = sdkSign(data, true, false, DefaultChecksumAlgorithm.CRC32);
        assertThat(s.headers().get("x-amz-content-sha256")).isEqualTo(PayloadMode.STREAMING_UNSIGNED_PAYLOAD_TRAILER);
        PayloadVerifier v = verifier(s, s.body());
        assertThat(readAll(v)).isEqualTo(data);
        assertThat(v.finish().length()).isEqualTo(data.length);
    }

    @Test
    void aTamperedChunkOrTrailerFailsItsSignature() throws IOException {
        byte[] data = random(100_000, 4);
        Signed s = sdkSign(data, true, true, DefaultChecksumAlgorithm.CRC32);
        String body = new String(s.body(), StandardCharsets.ISO_8859_1);
        // Flip one data byte just after the first chunk header.
        byte[] tampered = s.body().clone();
        int firstData = body.indexOf("\r\n") + 2;
        tampered[firstData] ^= 1;
        assertThat(errorOf(() -> verifier(s, tampered).finish())).isEqualTo(S3Error.SIGNATURE_DOES_NOT_MATCH);
        // Change the trailing checksum value (still valid base64 of 4 bytes): the trailer signature breaks.
        int at = body.indexOf("x-amz-checksum-crc32:") + "x-amz-checksum-crc32:".length();
        byte[] trailer = s.body().clone();
        trailer[at] = (byte) (trailer[at] == 'A' ? 'B' : 'A');
        assertThat(errorOf(() -> verifier(s, trailer).finish())).isEqualTo(S3Error.SIGNATURE_DOES_NOT_MATCH);
    }

    @Test
    void aWrongUnsignedTrailerChecksumIsBadDigest() throws IOException {
        byte[] data = random(5000, 5);
        Signed s = sdkSign(data, true, false, DefaultChecksumAlgorithm.CRC32);
        String body = new String(s.body(), StandardCharsets.ISO_8859_1);
        String wrong = body.replaceAll("x-amz-checksum-crc32:[^\r]*", "x-amz-checksum-crc32:AAAAAA==");
        assertThat(errorOf(() -> verifier(s, wrong.getBytes(StandardCharsets.ISO_8859_1)).finish()))
                .isEqualTo(S3Error.BAD_DIGEST);
        String missing = body.replaceAll("x-amz-checksum-crc32:[^\r]*\r\n", "");
        assertThat(errorOf(() -> verifier(s, missing.getBytes(StandardCharsets.ISO_8859_1)).finish()))
                .isEqualTo(S3Error.INVALID_REQUEST);
    }

    @Test
    void truncatedOrGarbledChunkedBodiesAreIncomplete() throws IOException {
        byte[] data = random(70_000, 6);
        Signed s = sdkSign(data, true, true, null);
        byte[] b = s.body();
        for (int cut : new int[] {0, 10, 100, 70_000, b.length - 3, b.length - 1}) {
            byte[] part = Arrays.copyOf(b, cut);
            assertThat(errorOf(() -> verifier(s, part).finish())).as("cut at " + cut).isEqualTo(S3Error.INCOMPLETE_BODY);
        }
        byte[] extra = Arrays.copyOf(b, b.length + 5);
        assertThat(errorOf(() -> verifier(s, extra).finish())).isEqualTo(S3Error.INCOMPLETE_BODY);
        byte[] badHex = b.clone();
        badHex[0] = 'z';
        assertThat(errorOf(() -> verifier(s, badHex).finish())).isEqualTo(S3Error.INCOMPLETE_BODY);
        byte[] longLine = ("1" + "0".repeat(5000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        assertThat(errorOf(() -> verifier(s, longLine).finish())).isEqualTo(S3Error.INCOMPLETE_BODY);
    }

    @Test
    void awsDocumentationChunkedExampleDecodes() throws IOException {
        // S3 docs "Transferring Payload in Multiple Chunks": 65536 + 1024 bytes of 'a', known signatures.
        byte[] key = SigV4.signingKey(SECRET, "20130524", "us-east-1", "s3");
        ChunkSigner signer = new ChunkSigner(key, "20130524T000000Z", SigV4.scope("20130524", "us-east-1"),
                "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9");
        String body = "10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n"
                + "a".repeat(65536) + "\r\n"
                + "400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n"
                + "a".repeat(1024) + "\r\n"
                + "0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n";
        assertThat(body.length()).isEqualTo(66824); // the example's Content-Length
        AwsChunkedInputStream in = new AwsChunkedInputStream(
                new ByteArrayInputStream(body.getBytes(StandardCharsets.US_ASCII)), signer, false);
        assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("a".repeat(66560));
    }

    static RequestHeaders plain(String... nv) {
        RequestHeadersBuilder b = RequestHeaders.builder(HttpMethod.PUT, "/b/k");
        for (int i = 0; i < nv.length; i += 2) {
            b.add(nv[i], nv[i + 1]);
        }
        return b.build();
    }

    PayloadVerifier plainVerifier(RequestHeaders h, byte[] body) {
        AuthResult a = new AuthResult(null, h.get("x-amz-content-sha256") == null ? PayloadMode.UNSIGNED
                : PayloadMode.of(h.get("x-amz-content-sha256")), h.get("x-amz-content-sha256"), null);
        return new PayloadVerifier(new ByteArrayInputStream(body), PayloadSpec.from(h, a, null));
    }

    @Test
    void plainBodiesAreHeldToLengthMd5Sha256AndChecksumHeaders() throws IOException {
        byte[] data = "hello world".getBytes(StandardCharsets.US_ASCII);
        String md5 = Base64.getEncoder().encodeToString(md5(data));
        String sha = SigV4.sha256Hex(data);
        Hasher c = Hasher.crc32c();
        c.update(data, 0, data.length);
        String crc = Base64.getEncoder().encodeToString(c.finish());
        PayloadVerifier ok = plainVerifier(plain("content-length", "11", "content-md5", md5,
                "x-amz-content-sha256", sha, "x-amz-checksum-crc32c", crc), data);
        PayloadVerifier.Digests d = ok.finish();
        assertThat(d.md5Hex()).isEqualTo("5eb63bbbe01eeed093cb22bb8f5acdc3");
        assertThat(d.algorithm()).isEqualTo(ChecksumAlgorithm.CRC32C);

        assertThat(errorOf(() -> plainVerifier(plain("content-length", "12"), data).finish()))
                .isEqualTo(S3Error.INCOMPLETE_BODY);
        assertThat(errorOf(() -> plainVerifier(plain("content-length", "10"), data).finish()))
                .isEqualTo(S3Error.INCOMPLETE_BODY);
        assertThat(errorOf(() -> plainVerifier(plain("content-md5", Base64.getEncoder().encodeToString(new byte[16])),
                data).finish())).isEqualTo(S3Error.BAD_DIGEST);
        assertThat(errorOf(() -> plainVerifier(plain("content-md5", "nope"), data))).isEqualTo(S3Error.INVALID_DIGEST);
        assertThat(errorOf(() -> plainVerifier(plain("x-amz-content-sha256", SigV4.EMPTY_SHA256), data).finish()))
                .isEqualTo(S3Error.X_AMZ_CONTENT_SHA256_MISMATCH);
        assertThat(errorOf(() -> plainVerifier(plain("x-amz-checksum-crc32c", "AAAAAA=="), data).finish()))
                .isEqualTo(S3Error.BAD_DIGEST);
        assertThat(errorOf(() -> plainVerifier(plain("x-amz-checksum-crc32c", "AAAA"), data)))
                .isEqualTo(S3Error.INVALID_REQUEST);
        assertThat(errorOf(() -> plainVerifier(plain("x-amz-checksum-crc32c", crc, "x-amz-checksum-crc32", crc), data)))
                .isEqualTo(S3Error.INVALID_REQUEST);
        assertThat(errorOf(() -> plainVerifier(plain("x-amz-trailer", "x-amz-checksum-crc32"), data)))
                .isEqualTo(S3Error.INVALID_REQUEST);
        assertThat(errorOf(() -> plainVerifier(plain("content-length", "-5"), data)))
                .isEqualTo(S3Error.INVALID_ARGUMENT);
        assertThat(HexFormat.of().formatHex(plainVerifier(plain("content-length", "0"), new byte[0]).finish().md5()))
                .isEqualTo("d41d8cd98f00b204e9800998ecf8427e");
    }
}
