package io.nacre.s3.error;

import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class ErrorMappingTest {

    static S3Error map(Status s, ErrorMapping.Target t) {
        return ErrorMapping.toS3(new NacreException(s, "x"), t).error();
    }

    @Test
    void everyCoreStatusHasAnS3Error() {
        for (Status s : Status.values()) {
            for (ErrorMapping.Target t : ErrorMapping.Target.values()) {
                S3Exception e = ErrorMapping.toS3(new NacreException(s, "why"), t);
                assertThat(e.error()).as("%s on %s", s, t).isNotNull();
                assertThat(e.getCause()).isInstanceOf(NacreException.class);
            }
        }
    }

    @Test
    void notFoundIsAboutWhatWasSought() {
        assertThat(map(Status.NOT_FOUND, ErrorMapping.Target.BUCKET)).isEqualTo(S3Error.NO_SUCH_BUCKET);
        assertThat(map(Status.NOT_FOUND, ErrorMapping.Target.OBJECT)).isEqualTo(S3Error.NO_SUCH_KEY);
        assertThat(map(Status.STALE, ErrorMapping.Target.KEY_READ)).isEqualTo(S3Error.NO_SUCH_KEY);
        assertThat(map(Status.NOT_FOUND, ErrorMapping.Target.UPLOAD)).isEqualTo(S3Error.NO_SUCH_UPLOAD);
    }

    @Test
    void pathConflictsAreConflictsWhenWritingAndAbsenceWhenReading() {
        assertThat(map(Status.NOT_DIR, ErrorMapping.Target.OBJECT)).isEqualTo(S3Error.PARENT_IS_OBJECT);
        assertThat(map(Status.IS_DIR, ErrorMapping.Target.OBJECT)).isEqualTo(S3Error.OBJECT_EXISTS_AS_DIRECTORY);
        assertThat(S3Error.PARENT_IS_OBJECT.httpStatus()).isEqualTo(409);
        assertThat(map(Status.NOT_DIR, ErrorMapping.Target.KEY_READ)).isEqualTo(S3Error.NO_SUCH_KEY);
        assertThat(map(Status.IS_DIR, ErrorMapping.Target.KEY_READ)).isEqualTo(S3Error.NO_SUCH_KEY);
        assertThat(map(Status.NOT_EMPTY, ErrorMapping.Target.BUCKET)).isEqualTo(S3Error.BUCKET_NOT_EMPTY);
    }

    @Test
    void permissionsCapacityAndAvailabilityMapToTheirHttpClasses() {
        assertThat(map(Status.ACCESS, ErrorMapping.Target.OBJECT).httpStatus()).isEqualTo(403);
        assertThat(map(Status.PERM, ErrorMapping.Target.OBJECT).httpStatus()).isEqualTo(403);
        assertThat(map(Status.NO_SPACE, ErrorMapping.Target.OBJECT).httpStatus()).isEqualTo(507);
        assertThat(map(Status.DELAY, ErrorMapping.Target.OBJECT)).isEqualTo(S3Error.SLOW_DOWN);
        assertThat(map(Status.UNAVAILABLE, ErrorMapping.Target.OBJECT).httpStatus()).isEqualTo(503);
        assertThat(map(Status.CORRUPT, ErrorMapping.Target.OBJECT)).isEqualTo(S3Error.INTERNAL_ERROR);
        assertThat(map(Status.NAME_TOO_LONG, ErrorMapping.Target.OBJECT)).isEqualTo(S3Error.KEY_TOO_LONG);
    }

    @Test
    void wrappedFailuresAreUnwrappedAndUnknownOnesAreInternal() {
        S3Exception s3 = new S3Exception(S3Error.BAD_DIGEST, "m");
        assertThat(ErrorMapping.toS3(new CompletionException(s3), ErrorMapping.Target.OBJECT)).isSameAs(s3);
        assertThat(ErrorMapping.toS3(new CompletionException(new NacreException(Status.ACCESS, "x")),
                ErrorMapping.Target.OBJECT).error()).isEqualTo(S3Error.ACCESS_DENIED);
        assertThat(ErrorMapping.toS3(new IllegalStateException("bug"), ErrorMapping.Target.OBJECT).error())
                .isEqualTo(S3Error.INTERNAL_ERROR);
    }
}
