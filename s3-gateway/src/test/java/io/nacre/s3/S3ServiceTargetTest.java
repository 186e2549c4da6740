package io.nacre.s3;

import static io.nacre.s3.S3Errors.errorOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.s3.error.S3Error;
import io.nacre.s3.ops.Operations;
import org.junit.jupiter.api.Test;

class S3ServiceTargetTest {


    @Test
    void pathStyleTargetsKeepTheRawKey() {
        S3Service.Target t = S3Service.target("/bucket/a%20b//c;d/%E2%82%AC?list-type=2&prefix=x", "127.0.0.1:9000", null);
        assertThat(t.bucket()).isEqualTo("bucket");
        assertThat(t.key()).isEqualTo("a b//c;d/€");
        assertThat(t.rawPath()).isEqualTo("/bucket/a%20b//c;d/%E2%82%AC");
        assertThat(t.rawQuery()).isEqualTo("list-type=2&prefix=x");
        assertThat(t.level()).isEqualTo(Operations.Level.OBJECT);
        assertThat(S3Service.target("/bucket", "h", null).level()).isEqualTo(Operations.Level.BUCKET);
        assertThat(S3Service.target("/bucket/", "h", null).level()).isEqualTo(Operations.Level.BUCKET);
        assertThat(S3Service.target("/", "h", null).level()).isEqualTo(Operations.Level.SERVICE);
        assertThat(S3Service.target("/b/a+b", "h", null).key()).isEqualTo("a+b");
    }

    @Test
    void virtualHostTargetsTakeTheBucketFromTheHost() {
        S3Service.Target t = S3Service.target("/photos/cat.jpg?x", "my-bucket.s3.nacre.test:9000", "s3.nacre.test");
        assertThat(t.bucket()).isEqualTo("my-bucket");
        assertThat(t.key()).isEqualTo("photos/cat.jpg");
        assertThat(S3Service.target("/", "my-bucket.s3.nacre.test", "s3.nacre.test").level())
                .isEqualTo(Operations.Level.BUCKET);
        // The bare domain, or another host, is path style.
        assertThat(S3Service.target("/b/k", "s3.nacre.test", "s3.nacre.test").bucket()).isEqualTo("b");
        assertThat(S3Service.target("/b/k", "127.0.0.1:9000", "s3.nacre.test").bucket()).isEqualTo("b");
    }

    @Test
    void badTargetsAreInvalidUri() {
        assertThat(errorOf(() -> S3Service.target("/b/%zz", "h", null))).isEqualTo(S3Error.INVALID_URI);
        assertThat(errorOf(() -> S3Service.target("/b/%C3%28", "h", null))).isEqualTo(S3Error.INVALID_URI);
        assertThat(errorOf(() -> S3Service.target("*", "h", null))).isEqualTo(S3Error.INVALID_URI);
    }
}
