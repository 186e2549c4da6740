package io.nacre.s3.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.EncodingType;
import software.amazon.awssdk.services.s3.model.ListObjectsResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Object;

/** Listings through the SDK against the real core, in S3 order. */
class S3ListingTest {

    @TempDir
    static Path dir;
    static NacreS3 nacre;
    static S3Client s3;
    static final List<String> KEYS = List.of("a-c", "a.txt", "a/b", "a/c/d", "a0", "b/x/y/z", "b/x-", "c", "dir/", "é");

    @BeforeAll
    static void start() {
        nacre = NacreS3.start(dir);
        s3 = nacre.client();
        s3.createBucket(b -> b.bucket("list"));
        for (String k : KEYS) {
            s3.putObject(b -> b.bucket("list").key(k), RequestBody.fromString(k.endsWith("/") ? "" : k));
        }
    }

    @AfterAll
    static void stop() {
        s3.close();
        nacre.close();
    }

    @Test
    void keysComeInBinaryOrderOfWholeKeys() {
        List<String> all = s3.listObjectsV2Paginator(b -> b.bucket("list").maxKeys(3)).contents().stream()
                .map(S3Object::key).toList();
        assertThat(all).containsExactly("a-c", "a.txt", "a/b", "a/c/d", "a0", "b/x-", "b/x/y/z", "c", "dir/", "é");
    }

    @Test
    void delimitersRollKeysUpIntoCommonPrefixes() {
        ListObjectsV2Response r = s3.listObjectsV2(b -> b.bucket("list").delimiter("/"));
        assertThat(r.contents()).extracting(S3Object::key).containsExactly("a-c", "a.txt", "a0", "c", "é");
        assertThat(r.commonPrefixes()).extracting(p -> p.prefix()).containsExactly("a/", "b/", "dir/");
        ListObjectsV2Response sub = s3.listObjectsV2(b -> b.bucket("list").prefix("b/x").delimiter("/"));
        assertThat(sub.contents()).extracting(S3Object::key).containsExactly("b/x-");
        assertThat(sub.commonPrefixes()).extracting(p -> p.prefix()).containsExactly("b/x/");
        ListObjectsV2Response dash = s3.listObjectsV2(b -> b.bucket("list").delimiter("-"));
        assertThat(dash.commonPrefixes()).extracting(p -> p.prefix()).containsExactly("a-", "b/x-");
    }

    @Test
    void paginationWithDelimiterAndStartAfterSeesEachKeyOnce() {
        List<String> seen = new ArrayList<>();
        String token = null;
        do {
            String t = token;
            ListObjectsV2Response r = s3.listObjectsV2(b -> b.bucket("list").delimiter("/").maxKeys(2).continuationToken(t));
            r.contents().forEach(o -> seen.add(o.key()));
            r.commonPrefixes().forEach(p -> seen.add(p.prefix()));
            token = r.nextContinuationToken();
            assertThat(r.keyCount()).isLessThanOrEqualTo(2);
        } while (token != null);
        seen.sort(io.nacre.s3.keys.Utf8Order.COMPARATOR); // a page lists its keys, then its prefixes
        assertThat(seen).containsExactly("a-c", "a.txt", "a/", "a0", "b/", "c", "dir/", "é");
        assertThat(s3.listObjectsV2(b -> b.bucket("list").startAfter("a/b")).contents()).extracting(S3Object::key)
                .startsWith("a/c/d", "a0");
    }

    @Test
    void version1ListingsUseMarkers() {
        ListObjectsResponse r = s3.listObjects(b -> b.bucket("list").delimiter("/").maxKeys(3));
        assertThat(r.isTruncated()).isTrue();
        assertThat(r.nextMarker()).isEqualTo("a/");
        ListObjectsResponse next = s3.listObjects(b -> b.bucket("list").delimiter("/").marker(r.nextMarker()));
        assertThat(next.contents()).extracting(S3Object::key).containsExactly("a0", "c", "é");
        assertThat(next.commonPrefixes()).extracting(p -> p.prefix()).containsExactly("b/", "dir/");
    }

    @Test
    void urlEncodingAndVersionsAndOwners() {
        ListObjectsV2Response r = s3.listObjectsV2(b -> b.bucket("list").prefix("é").encodingType(EncodingType.URL)
                .fetchOwner(true));
        assertThat(r.contents()).extracting(S3Object::key).containsExactly("é"); // the SDK decodes it
        assertThat(r.contents().get(0).owner().id()).isEqualTo("0");
        var versions = s3.listObjectVersions(b -> b.bucket("list").prefix("a"));
        assertThat(versions.versions()).allMatch(v -> v.versionId().equals("null") && v.isLatest());
        assertThat(versions.versions()).extracting(v -> v.key()).containsExactly("a-c", "a.txt", "a/b", "a/c/d", "a0");
    }

    @Test
    void deleteObjectsRemovesManyKeysAndReportsEachOne() {
        s3.createBucket(b -> b.bucket("batch"));
        for (int i = 0; i < 5; i++) {
            int n = i;
            s3.putObject(b -> b.bucket("batch").key("batch/" + n), RequestBody.fromString("x"));
        }
        var r = s3.deleteObjects(b -> b.bucket("batch").delete(d -> d.objects(
                ObjectIdentifier.builder().key("batch/0").build(), ObjectIdentifier.builder().key("batch/1").build(),
                ObjectIdentifier.builder().key("batch/missing").build(), ObjectIdentifier.builder().key("batch//bad").build())));
        assertThat(r.deleted()).extracting(d -> d.key()).containsExactly("batch/0", "batch/1", "batch/missing");
        assertThat(r.errors()).extracting(e -> e.key() + " " + e.code()).containsExactly("batch//bad InvalidArgument");
        var quiet = s3.deleteObjects(b -> b.bucket("batch").delete(d -> d.quiet(true).objects(
                ObjectIdentifier.builder().key("batch/2").build(), ObjectIdentifier.builder().key("batch/3").build())));
        assertThat(quiet.deleted()).isEmpty();
        assertThat(s3.listObjectsV2(b -> b.bucket("batch").prefix("batch/")).contents()).extracting(S3Object::key)
                .containsExactly("batch/4");
    }
}
