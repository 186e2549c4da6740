package io.nacre.s3.keys;

import static io.nacre.s3.S3Errors.errorOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.s3.error.S3Error;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeyPathTest {


    @Test
    void keysSplitIntoPathSegments() {
        KeyPath k = KeyPath.parse("photos/2024/cat.jpg");
        assertThat(k.segments()).containsExactly("photos", "2024", "cat.jpg");
        assertThat(k.parents()).containsExactly("photos", "2024");
        assertThat(k.name()).isEqualTo("cat.jpg");
        assertThat(k.directory()).isFalse();
        KeyPath d = KeyPath.parse("photos/2024/");
        assertThat(d.directory()).isTrue();
        assertThat(d.segments()).containsExactly("photos", "2024");
        assertThat(d.relativePath()).isEqualTo("photos/2024");
        assertThat(KeyPath.parse("a b/c;d/e+f/.hidden/..x/é").segments()).hasSize(6);
    }

    @Test
    void keysThatCannotBePathsAreRefusedWithAReason() {
        for (String bad : List.of("", "/a", "a//b", "a/./b", "a/../b", "..", ".", "a/.", "a/..", "//", "a\u0000b", "a//")) {
            assertThat(errorOf(() -> KeyPath.parse(bad))).as(bad).isEqualTo(S3Error.INVALID_ARGUMENT);
        }
        assertThat(errorOf(() -> KeyPath.parse("k".repeat(1025)))).isEqualTo(S3Error.KEY_TOO_LONG);
        assertThat(errorOf(() -> KeyPath.parse("é".repeat(513)))).isEqualTo(S3Error.KEY_TOO_LONG);
        assertThat(errorOf(() -> KeyPath.parse("a/" + "s".repeat(256)))).isEqualTo(S3Error.KEY_TOO_LONG);
        assertThat(KeyPath.parse("a/" + "s".repeat(255)).name()).hasSize(255);
    }

    @Test
    void bucketNamesFollowS3Rules() {
        for (String ok : List.of("abc", "my-bucket.2024", "a".repeat(63), "0bucket9")) {
            assertThat(BucketNames.isValid(ok)).as(ok).isTrue();
        }
        for (String bad : List.of("ab", "a".repeat(64), "My-Bucket", "-abc", "abc-", "a..b", "192.168.5.4",
                "xn--abc", "abc-s3alias", "abc--ol-s3", "a_b", "sthree-x", "abc.mrap")) {
            assertThat(BucketNames.isValid(bad)).as(bad).isFalse();
            assertThat(errorOf(() -> BucketNames.check(bad))).isEqualTo(S3Error.INVALID_BUCKET_NAME);
        }
    }
}
