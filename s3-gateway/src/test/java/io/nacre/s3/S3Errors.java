package io.nacre.s3;

import io.nacre.s3.error.S3Error;
import io.nacre.s3.error.S3Exception;

/** For tests: the S3 error a piece of code fails with. */
public final class S3Errors {

    private S3Errors() {
    }

    /** Runs the code and returns the S3 error it threw; fails the test when it threw none. */
    public static S3Error errorOf(Runnable r) {
        try {
            r.run();
        } catch (S3Exception e) {
            return e.error();
        }
        throw new AssertionError("no S3 error");
    }
}
