package io.nacre.s3.it;

import static io.nacre.s3.it.NacreS3.code;
import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.SetAttr;
import io.nacre.s3.auth.KeyStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketCannedACL;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/** Buckets, keys mapped to POSIX identities, anonymous access and presigned URLs, against the real core. */
class S3BucketsTest {

    @TempDir
    static Path dir;
    static NacreS3 nacre;
    static S3Client s3;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        nacre = NacreS3.start(dir);
        s3 = nacre.client();
    }

    @AfterAll
    static void stop() {
        s3.close();
        nacre.close();
    }


    @Test
    void bucketsAreCreatedListedLocatedAndDeletedWhenEmpty() {
        s3.createBucket(b -> b.bucket("life"));
        assertThat(s3.listBuckets().buckets()).extracting(x -> x.name()).contains("life");
        s3.headBucket(b -> b.bucket("life"));
        assertThat(s3.getBucketLocation(b -> b.bucket("life")).locationConstraintAsString()).isNullOrEmpty();
        assertThat(code(() -> s3.createBucket(b -> b.bucket("life")))).isEqualTo("409 BucketAlreadyOwnedByYou");
        // The SDK checks most naming rules itself; these two pass its checks and not ours.
        assertThat(code(() -> s3.createBucket(b -> b.bucket("xn--abc")))).isEqualTo("400 InvalidBucketName");
        assertThat(code(() -> s3.createBucket(b -> b.bucket("abc-s3alias")))).isEqualTo("400 InvalidBucketName");
        s3.putObject(b -> b.bucket("life").key("k"), RequestBody.fromString("x"));
        assertThat(code(() -> s3.deleteBucket(b -> b.bucket("life")))).isEqualTo("409 BucketNotEmpty");
        s3.deleteObject(b -> b.bucket("life").key("k"));
        s3.deleteBucket(b -> b.bucket("life"));
        assertThat(code(() -> s3.headBucket(b -> b.bucket("life")))).startsWith("404");
    }

    @Test
    void keysActAsTheirUidUnderPosixRules() {
        KeyStore.Key alice = nacre.keys.create(1000, 1000);
        try (S3Client a = nacre.builder(alice).build()) {
            // The root directory belongs to root (0755): alice cannot make buckets.
            assertThat(code(() -> a.createBucket(b -> b.bucket("alice-own")))).isEqualTo("403 AccessDenied");
            s3.createBucket(b -> b.bucket("shared"));
            assertThat(code(() -> a.putObject(b -> b.bucket("shared").key("x"), RequestBody.fromString("x"))))
                    .isEqualTo("403 AccessDenied");
            // Give the bucket to alice, as chown over NFS would.
            Attr shared = nacre.core.metadata().lookup(Caller.ROOT, Fid.ROOT, "shared");
            nacre.core.metadata().setattr(Caller.ROOT, shared.fid(), SetAttr.builder().uid(1000).gid(1000).build());
            a.putObject(b -> b.bucket("shared").key("dir/file"), RequestBody.fromString("mine"));
            Attr file = nacre.core.metadata().resolve(Caller.ROOT, shared.fid(), "dir/file");
            assertThat(file.uid()).isEqualTo(1000);
            assertThat(file.gid()).isEqualTo(1000);
            // Root's private file in alice's bucket is not readable by her.
            s3.putObject(b -> b.bucket("shared").key("secret"), RequestBody.fromString("root only"));
            Attr secret = nacre.core.metadata().resolve(Caller.ROOT, shared.fid(), "secret");
            nacre.core.metadata().setattr(Caller.ROOT, secret.fid(), SetAttr.builder().mode(0600).build());
            assertThat(code(() -> a.getObjectAsBytes(b -> b.bucket("shared").key("secret")))).isEqualTo("403 AccessDenied");
        }
    }

    @Test
    void anonymousRequestsNeedAPublicBucket() throws Exception {
        s3.createBucket(b -> b.bucket("pub"));
        s3.putObject(b -> b.bucket("pub").key("hello"), RequestBody.fromString("public hello"));
        HttpResponse<String> denied = HTTP.send(HttpRequest.newBuilder(URI.create(nacre.endpoint() + "/pub/hello")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(denied.statusCode()).isEqualTo(403);
        assertThat(denied.body()).contains("<Code>AccessDenied</Code>").contains("<RequestId>");
        s3.putBucketAcl(b -> b.bucket("pub").acl(BucketCannedACL.PUBLIC_READ));
        HttpResponse<String> ok = HTTP.send(HttpRequest.newBuilder(URI.create(nacre.endpoint() + "/pub/hello")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo("public hello");
        HttpResponse<String> put = HTTP.send(HttpRequest.newBuilder(URI.create(nacre.endpoint() + "/pub/new"))
                .PUT(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(put.statusCode()).isEqualTo(403);
    }

    @Test
    void presignedGetAndPutWorkUntilTheyExpire() throws Exception {
        s3.createBucket(b -> b.bucket("presign"));
        KeyStore.Key root = nacre.keys.root();
        try (S3Presigner p = S3Presigner.builder().endpointOverride(URI.create(nacre.endpoint()))
                .region(software.amazon.awssdk.regions.Region.US_EAST_1)
                .credentialsProvider(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                        software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create(root.accessKey(), root.secretKey())))
                .serviceConfiguration(software.amazon.awssdk.services.s3.S3Configuration.builder().pathStyleAccessEnabled(true).build())
                .build()) {
            URI put = p.presignPutObject(b -> b.signatureDuration(Duration.ofMinutes(5))
                    .putObjectRequest(r -> r.bucket("presign").key("via/url"))).url().toURI();
            HttpResponse<String> up = HTTP.send(HttpRequest.newBuilder(put).PUT(HttpRequest.BodyPublishers.ofString("presigned!"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(up.statusCode()).isEqualTo(200);
            URI get = p.presignGetObject(b -> b.signatureDuration(Duration.ofMinutes(5))
                    .getObjectRequest(r -> r.bucket("presign").key("via/url"))).url().toURI();
            HttpResponse<String> down = HTTP.send(HttpRequest.newBuilder(get).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(down.body()).isEqualTo("presigned!");
            URI tampered = URI.create(get.toString().replace("via/url", "via/other"));
            assertThat(HTTP.send(HttpRequest.newBuilder(tampered).build(), HttpResponse.BodyHandlers.ofString()).body())
                    .contains("SignatureDoesNotMatch");
            URI tooLong = URI.create(get.toString().replaceAll("X-Amz-Expires=\\d+", "X-Amz-Expires=604801"));
            HttpResponse<String> tl = HTTP.send(HttpRequest.newBuilder(tooLong).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(tl.statusCode()).isEqualTo(400);
            assertThat(tl.body()).contains("AuthorizationQueryParametersError");
        }
    }
}
