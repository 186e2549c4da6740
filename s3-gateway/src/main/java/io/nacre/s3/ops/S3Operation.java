package io.nacre.s3.ops;

import com.linecorp.armeria.common.HttpResponse;
import io.nacre.s3.error.ErrorMapping;

/**
 * One S3 API operation (PutObject, ListObjectsV2, ...). {@link #handle} runs on a virtual thread and
 * may block on the core; it returns the response or throws (an S3Exception, a NacreException mapped
 * with {@link #target()}, anything else as InternalError).
 */
public interface S3Operation {

    /** The operation's name in the S3 API reference, for logs. */
    String name();

    HttpResponse handle(S3Request request) throws Exception;

    /** What a NOT_FOUND (and other core failures) of this operation is about. */
    default ErrorMapping.Target target() {
        return ErrorMapping.Target.OBJECT;
    }
}
