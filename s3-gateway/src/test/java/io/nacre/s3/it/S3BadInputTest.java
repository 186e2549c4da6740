package io.nacre.s3.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.s3.auth.KeyStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Bad input of every kind the issue lists, sent as raw HTTP (signed by the AWS SDK's signer where a
 * signature is needed): each gets its S3 error, the server keeps serving, and nothing stored changes.
 */
class S3BadInputTest {

    @TempDir
    static Path dir;
    static NacreS3 nacre;
    static S3Client s3;
    static Map<String, String> before;

    @BeforeAll
    static void start() {
        nacre = NacreS3.start(dir);
        s3 = nacre.client();
        s3.createBucket(b -> b.bucket("bad"));
        s3.putObject(b -> b.bucket("bad").key("keep/one"), RequestBody.fromString("one"));
        s3.putObject(b -> b.bucket("bad").key("keep/two"), RequestBody.fromString("two"));
        before = snapshot();
    }

    @AfterAll
    static void stop() {
        s3.close();
        nacre.close();
    }

    /** After every case: the server answers, and the bucket holds exactly what it held. */
    @AfterEach
    void nothingChangedAndStillServing() {
        assertThat(s3.getObjectAsBytes(b -> b.bucket("bad").key("keep/one")).asUtf8String()).isEqualTo("one");
        assertThat(snapshot()).isEqualTo(before);
        assertThat(s3.listMultipartUploads(b -> b.bucket("bad")).uploads()).isEmpty();
    }

    static Map<String, String> snapshot() {
        Map<String, String> m = new TreeMap<>();
        for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket("bad")).contents()) {
            m.put(o.key(), o.eTag() + " " + o.size());
        }
        return m;
    }

    record Reply(int status, String body) {
        String code() {
            int a = body.indexOf("<Code>");
            return a < 0 ? "" : body.substring(a + 6, body.indexOf("</Code>", a));
        }
    }

    /** Sends raw bytes on a fresh connection and reads the reply (the server closes or answers). */
    static Reply raw(String head, byte[] body, int sendBytes) throws IOException {
        try (Socket s = new Socket("127.0.0.1", nacre.server.port())) {
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            out.write(head.getBytes(StandardCharsets.ISO_8859_1));
            if (body != null) {
                out.write(body, 0, Math.min(sendBytes, body.length));
            }
            out.flush();
            if (body != null && sendBytes < body.length) {
                s.shutdownOutput(); // the client gives up mid-body
            }
            InputStream in = s.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            int n;
            try {
                while ((n = in.read(buf)) > 0) {
                    got.write(buf, 0, n);
                    String sofar = got.toString(StandardCharsets.ISO_8859_1);
                    if (sofar.contains("</Error>") || sofar.contains("</DeleteResult>")
                            || sofar.startsWith("HTTP/1.1 2") && sofar.contains("\r\n\r\n")) {
                        break;
                    }
                }
            } catch (java.net.SocketException e) {
                // reset after the answer: what was read is the answer
            }
            String text = got.toString(StandardCharsets.UTF_8);
            if (text.isEmpty()) {
                return new Reply(0, "");
            }
            int status = Integer.parseInt(text.substring(9, 12));
            int sep = text.indexOf("\r\n\r\n");
            return new Reply(status, sep < 0 ? "" : text.substring(sep + 4));
        }
    }

    /** A request signed by the SDK's SigV4 signer, as raw HTTP/1.1 text. */
    static String signed(String method, String pathAndQuery, Map<String, String> headers, byte[] body, KeyStore.Key key) {
        URI u = URI.create(nacre.endpoint() + pathAndQuery);
        SdkHttpFullRequest.Builder rb = SdkHttpFullRequest.builder().method(SdkHttpMethod.fromValue(method)).uri(u);
        headers.forEach(rb::putHeader);
        var signedReq = AwsV4HttpSigner.create().sign(r -> r
                .identity(AwsBasicCredentials.create(key.accessKey(), key.secretKey()))
                .request(rb.build())
                .payload(body == null ? null : software.amazon.awssdk.http.ContentStreamProvider.fromByteArray(body))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3")
                .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                .putProperty(AwsV4FamilyHttpSigner.DOUBLE_URL_ENCODE, false)
                .putProperty(AwsV4FamilyHttpSigner.NORMALIZE_PATH, false)
                .putProperty(AwsV4FamilyHttpSigner.PAYLOAD_SIGNING_ENABLED, true)).request();
        StringBuilder sb = new StringBuilder(method).append(' ').append(signedReq.encodedPath());
        signedReq.encodedQueryParameters().ifPresent(q -> sb.append('?').append(q));
        sb.append(" HTTP/1.1\r\n");
        signedReq.forEachHeader((n, vs) -> vs.forEach(v -> sb.append(n).append(": ").append(v).append("\r\n")));
        if (!signedReq.firstMatchingHeader("Content-Length").isPresent()) {
            sb.append("Content-Length: ").append(body == null ? 0 : body.length).append("\r\n");
        }
        sb.append("\r\n");
        return sb.toString();
    }

    static Map<String, String> md5Header(byte[] body) throws Exception {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Content-MD5", Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(body)));
        h.put("Content-Length", Integer.toString(body.length));
        return h;
    }

    @Test
    void malformedAndHostileXmlIsMalformedXml() throws Exception {
        KeyStore.Key root = nacre.keys.root();
        for (String xml : List.of("<Delete><Object><Key>keep/one", "not xml", "<Delete></Delete>",
                "<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><Delete><Object><Key>&x;</Key></Object></Delete>")) {
            byte[] body = xml.getBytes(StandardCharsets.UTF_8);
            Reply r = raw(signed("POST", "/bad?delete", md5Header(body), body, root), body, body.length);
            assertThat(r.status()).as(xml).isEqualTo(400);
            assertThat(r.code()).isEqualTo("MalformedXML");
            assertThat(r.body()).doesNotContain("root:");
        }
        byte[] noMd5 = "<Delete><Object><Key>keep/one</Key></Object></Delete>".getBytes(StandardCharsets.UTF_8);
        Reply r = raw(signed("POST", "/bad?delete", Map.of("Content-Length", "" + noMd5.length), noMd5, root), noMd5, noMd5.length);
        assertThat(r.code()).isEqualTo("InvalidRequest");
    }

    @Test
    void wrongSignaturesAndUnknownKeysAreRefused() throws Exception {
        KeyStore.Key root = nacre.keys.root();
        byte[] body = "overwrite!".getBytes(StandardCharsets.UTF_8);
        KeyStore.Key forged = new KeyStore.Key(root.accessKey(), "not-the-secret", 0, 0, true);
        Reply r = raw(signed("PUT", "/bad/keep/one", Map.of("Content-Length", "" + body.length), body, forged), body, body.length);
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.code()).isEqualTo("SignatureDoesNotMatch");
        KeyStore.Key unknown = new KeyStore.Key("NOSUCHKEY123", "x", 0, 0, false);
        r = raw(signed("PUT", "/bad/keep/one", Map.of("Content-Length", "" + body.length), body, unknown), body, body.length);
        assertThat(r.code()).isEqualTo("InvalidAccessKeyId");
        // A correctly signed request whose body differs from the signed SHA-256.
        String head = signed("PUT", "/bad/keep/one", Map.of("Content-Length", "" + body.length), body, root);
        byte[] other = "OVERWRITE!".getBytes(StandardCharsets.UTF_8);
        r = raw(head, other, other.length);
        assertThat(r.code()).isEqualTo("XAmzContentSHA256Mismatch");
    }

    @Test
    void truncatedBodiesStoreNothing() throws Exception {
        byte[] body = new byte[1 << 20];
        String head = signed("PUT", "/bad/keep/one", Map.of("Content-Length", "" + body.length), body, nacre.keys.root());
        raw(head, body, 300_000);
        String unsigned = "PUT /bad/keep/two HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n";
        raw(unsigned, new byte[100_000], 10);
    }

    @Test
    void oversizeHeadersAndBadTargetsGetS3Errors() throws Exception {
        Reply big = raw("GET /bad/keep/one HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + "a".repeat(40_000) + "\r\n\r\n", null, 0);
        assertThat(big.status()).isBetween(400, 499);
        assertThat(big.body()).contains("<Error>");
        Reply dots = raw("GET /bad/keep/../one HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", null, 0);
        assertThat(dots.status()).isEqualTo(400);
        assertThat(dots.body()).contains("<Code>InvalidURI</Code>");
        Reply pct = raw("GET /bad/%zz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", null, 0);
        assertThat(pct.status()).isEqualTo(400);
    }

    @Test
    void expectContinueIsAnsweredBeforeTheBodyAndRefusalsComeWithoutIt() throws Exception {
        byte[] body = "expect me".getBytes(StandardCharsets.UTF_8);
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Content-Length", Integer.toString(body.length));
        h.put("Expect", "100-continue");
        String head = signed("PUT", "/bad/expect/ok", h, body, nacre.keys.root());
        try (Socket s = new Socket("127.0.0.1", nacre.server.port())) {
            s.setSoTimeout(30_000);
            s.getOutputStream().write(head.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            byte[] first = new byte[25];
            int n = s.getInputStream().read(first);
            assertThat(new String(first, 0, n, StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 100 Continue");
            s.getOutputStream().write(body);
            s.getOutputStream().flush();
            byte[] rest = new byte[4096];
            n = s.getInputStream().read(rest);
            assertThat(new String(rest, 0, n, StandardCharsets.ISO_8859_1)).contains("200 OK");
        }
        assertThat(s3.getObjectAsBytes(b -> b.bucket("bad").key("expect/ok")).asUtf8String()).isEqualTo("expect me");
        s3.deleteObject(b -> b.bucket("bad").key("expect/ok"));
    }

    @Test
    void expiredPresignedUrlsAreRefused() throws Exception {
        try (NacreS3 later = NacreS3.start(dir.resolve("later"),
                b -> b.clock(Clock.offset(Clock.systemUTC(), Duration.ofHours(2))))) {
            KeyStore.Key root = later.keys.root();
            try (var p = software.amazon.awssdk.services.s3.presigner.S3Presigner.builder()
                    .endpointOverride(URI.create(later.endpoint()))
                    .region(software.amazon.awssdk.regions.Region.US_EAST_1)
                    .credentialsProvider(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                            AwsBasicCredentials.create(root.accessKey(), root.secretKey())))
                    .serviceConfiguration(software.amazon.awssdk.services.s3.S3Configuration.builder()
                            .pathStyleAccessEnabled(true).build()).build()) {
                URI get = p.presignGetObject(b -> b.signatureDuration(Duration.ofMinutes(10))
                        .getObjectRequest(r -> r.bucket("any").key("k"))).url().toURI();
                var resp = java.net.http.HttpClient.newHttpClient().send(
                        java.net.http.HttpRequest.newBuilder(get).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                assertThat(resp.statusCode()).isEqualTo(403);
                assertThat(resp.body()).contains("Request has expired");
            }
        }
    }
}
